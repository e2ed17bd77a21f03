"""The Spanish demo courses (language ``es``)."""

from __future__ import annotations

from .catalog import DemoCourse
from .catalog import DemoLesson as L
from .catalog import DemoSection as S

JAVASCRIPT = DemoCourse(
    slug="introduccion-a-javascript",
    title="Introducción a JavaScript",
    subtitle="El lenguaje de la web, desde cero",
    description=(
        "<p>JavaScript da vida a las páginas web. En este curso escribirás tus primeros "
        "programas directamente en el navegador, sin instalar nada.</p>"
    ),
    category="programming",
    tags=("javascript", "programación", "web"),
    level="beginner",
    language="es",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "Primeros pasos",
            (
                L(
                    "La consola del navegador",
                    """Abre cualquier página, pulsa F12 y elige la pestaña *Consola*. Escribe
`console.log("Hola")` y pulsa Intro: acabas de ejecutar JavaScript. La consola es un
buen lugar para probar ideas pequeñas antes de escribirlas en un archivo.""",
                    free_preview=True,
                ),
                L(
                    "Variables y tipos",
                    """Declara variables con `let` (si su valor cambia) o `const` (si no
cambia): `const nombre = "Lucía"; let edad = 30;`. Los tipos básicos son números,
cadenas de texto, booleanos (`true` y `false`), `null` y `undefined`. Usa `typeof`
para saber el tipo de un valor.""",
                ),
            ),
        ),
        S(
            "Lógica",
            (
                L(
                    "Condiciones y bucles",
                    """`if (edad >= 18) { ... } else { ... }` elige un camino. Compara
siempre con `===`, que no convierte tipos: `"5" == 5` es verdadero, pero `"5" === 5` es
falso. Para repetir, `for (let i = 0; i < 3; i++) { console.log(i); }` muestra 0, 1 y
2.""",
                ),
                L(
                    "Funciones",
                    """Una función agrupa instrucciones reutilizables:

```javascript
function saludar(nombre) {
  return `Hola, ${nombre}`;
}
console.log(saludar("Marta"));
```

Las funciones flecha son una forma abreviada: `const doble = (n) => n * 2;`.""",
                ),
                L(
                    "Vídeo: depurar con la consola",
                    "Un vídeo breve sobre cómo usar `console.log` y los puntos de "
                    "interrupción para encontrar errores.",
                    type="video",
                    minutes=1,
                ),
            ),
        ),
    ),
    reviews=(("maria", 5, "Muy claro y directo. Ideal para empezar."),),
    learner_progress=1,
)

MOBILE_PHOTO = DemoCourse(
    slug="fotografia-con-el-movil",
    title="Fotografía con el móvil",
    subtitle="Mejores fotos con el teléfono que ya tienes",
    description=(
        "<p>No necesitas una cámara cara. Aprende a aprovechar la luz, el encuadre y los "
        "ajustes de tu móvil para conseguir fotos de las que sentirte orgulloso.</p>"
    ),
    category="design",
    tags=("fotografía", "móvil"),
    level="beginner",
    language="es",
    price_minor=1500,
    currency="EUR",
    sections=(
        S(
            "Antes de disparar",
            (
                L(
                    "Limpia la lente",
                    """Parece obvio, pero la causa más común de fotos borrosas o con
neblina es una lente llena de huellas. Límpiala con un paño suave antes de cada sesión.""",
                    free_preview=True,
                ),
                L(
                    "Enfoque y exposición",
                    """Toca la pantalla sobre el sujeto para enfocar. Después desliza el
dedo hacia arriba o hacia abajo para ajustar la exposición: en escenas con mucho cielo,
bajar un poco la exposición evita que las nubes queden blancas.""",
                ),
            ),
        ),
        S(
            "Luz y encuadre",
            (
                L(
                    "La luz natural",
                    """Coloca a las personas frente a una ventana, no de espaldas a ella. La
luz nublada es suave y favorecedora; el sol del mediodía crea sombras duras bajo los
ojos.""",
                ),
                L(
                    "La regla de los tercios",
                    """Activa la cuadrícula en los ajustes de la cámara. Sitúa el horizonte
sobre una de las líneas horizontales y al sujeto en uno de los cruces: la foto ganará
equilibrio y movimiento.""",
                ),
            ),
        ),
    ),
)

ART_HISTORY = DemoCourse(
    slug="historia-del-arte-renacimiento-barroco",
    title="Historia del arte: del Renacimiento al Barroco",
    subtitle="Cómo cambió la manera de mirar entre 1400 y 1700",
    description=(
        "<p>Un recorrido por tres siglos de pintura, escultura y arquitectura europeas: "
        "de la perspectiva de Brunelleschi al claroscuro de Caravaggio y Velázquez.</p>"
    ),
    category="humanities",
    tags=("arte", "historia", "pintura"),
    level="intermediate",
    language="es",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "El Renacimiento",
            (
                L(
                    "La perspectiva lineal",
                    """Hacia 1420, Filippo Brunelleschi demostró en Florencia cómo
representar la profundidad en una superficie plana: las líneas paralelas convergen en un
punto de fuga. Masaccio aplicó el método en la *Trinidad* de Santa Maria Novella, y la
pintura europea ya no volvió a ser la misma.""",
                    free_preview=True,
                ),
                L(
                    "El ideal clásico",
                    """Los artistas del Renacimiento estudiaron las ruinas de Roma y las
proporciones del cuerpo humano. El *David* de Miguel Ángel (1504) resume ese ideal:
equilibrio, armonía y una belleza medida.""",
                ),
            ),
        ),
        S(
            "El Barroco",
            (
                L(
                    "Luz y drama",
                    """El Barroco busca conmover. Caravaggio ilumina las figuras con una luz
intensa que surge de la oscuridad —el claroscuro— y elige modelos de la calle para
escenas sagradas.""",
                ),
                L(
                    "Velázquez y Las Meninas",
                    """En *Las Meninas* (1656), Velázquez se pinta a sí mismo trabajando,
mientras un espejo al fondo refleja a los reyes. ¿Qué está pintando? ¿Dónde estamos
nosotros? El cuadro convierte al espectador en parte de la escena.""",
                ),
                L(
                    "Audio: un paseo por el Prado",
                    "Una breve pieza de audio para escuchar mientras recorres las salas del museo.",
                    type="audio",
                    minutes=1,
                ),
            ),
        ),
    ),
    reviews=(("amira", 5, "Precioso curso. La lección sobre Las Meninas es fantástica."),),
)

COURSES_ES: list[DemoCourse] = [JAVASCRIPT, MOBILE_PHOTO, ART_HISTORY]
