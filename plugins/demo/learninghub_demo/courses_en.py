"""The English demo courses."""

from __future__ import annotations

from .catalog import DemoCourse
from .catalog import DemoLesson as L
from .catalog import DemoSection as S

PYTHON = DemoCourse(
    slug="intro-to-python",
    title="Introduction to Python Programming",
    subtitle="Write your first useful programs, one small step at a time",
    description=(
        "<p>Python is a friendly, readable language used for everything from web sites to "
        "scientific research. This course assumes no programming experience.</p>"
        "<ul><li>Run Python on your own computer</li><li>Work with numbers, text and lists</li>"
        "<li>Make decisions and repeat work with loops</li></ul>"
    ),
    category="programming",
    tags=("python", "programming", "beginners"),
    level="beginner",
    language="en",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "Getting started",
            (
                L(
                    "Welcome to the course",
                    "A short welcome. The video shows the rhythm of the course: read a little, "
                    "then **type the examples yourself** — reading code is not the same as "
                    "writing it.",
                    type="video",
                    free_preview=True,
                    minutes=1,
                ),
                L(
                    "Installing Python and running a script",
                    """Download Python 3 from python.org and install it; on Windows, tick
*Add python.exe to PATH*. Open a terminal and type `python --version`: you should
see a version number such as 3.12.

Create a file called `hello.py` containing one line:

```python
print("Hello, world!")
```

Run it with `python hello.py`. The `print` function writes its argument to the
screen. Congratulations: that is a complete program.""",
                    free_preview=True,
                ),
            ),
        ),
        S(
            "Values and names",
            (
                L(
                    "Numbers, strings and variables",
                    """A *variable* is a name for a value. `price = 4.5` makes the name
`price` refer to the number 4.5; `name = "Ada"` makes `name` refer to a piece of text,
called a *string*.

Python does arithmetic as you would expect: `price * 3` is 13.5. Strings can be joined
with `+` and formatted with f-strings: `f"{name} owes {price * 3} euros"`.

Names are case-sensitive and should say what they hold: `total_cost` is better than
`tc`.""",
                ),
                L(
                    "Making decisions with if",
                    """Programs choose between paths with `if`, `elif` and `else`:

```python
temperature = 31
if temperature > 30:
    print("Stay in the shade")
elif temperature < 5:
    print("Take a coat")
else:
    print("Enjoy the day")
```

The indented lines belong to the branch above them. Comparisons (`>`, `<`, `==`,
`!=`) produce `True` or `False`, and can be combined with `and`, `or` and `not`.""",
                ),
            ),
        ),
        S(
            "Repetition",
            (
                L(
                    "Loops with for and while",
                    """A `for` loop repeats a block once for each item of a collection:

```python
for fruit in ["apple", "pear", "plum"]:
    print(fruit.upper())
```

`range(5)` produces 0, 1, 2, 3 and 4, which makes counting loops easy. A `while`
loop repeats as long as its condition holds — make sure something inside the loop
eventually makes it false, or the program will never stop.""",
                ),
                L(
                    "Putting it together: a tip calculator",
                    """Combine what you know: ask for the bill with `input()`, convert it with
`float()`, and print the tip for 10, 15 and 20 percent using a loop.

```python
bill = float(input("Bill amount: "))
for percent in (10, 15, 20):
    print(f"{percent}% tip: {bill * percent / 100:.2f}")
```

Try extending it: split the total between several people.""",
                ),
            ),
        ),
    ),
    reviews=(
        ("learner", 5, "Clear explanations and the examples actually run. Perfect first course."),
        ("maria", 4, "Very gentle start. I would have liked a few more exercises on loops."),
        ("kenji", 5, "I finally understand what a variable is. Thank you!"),
    ),
    learner_progress=3,
)

SQL = DemoCourse(
    slug="sql-for-analysts",
    title="SQL for Data Analysts",
    subtitle="Answer business questions straight from the database",
    description=(
        "<p>Learn the SQL that analysts use every day: filtering, sorting, joining and "
        "aggregating. Every lesson works on a small shop database of customers and orders.</p>"
    ),
    category="data",
    tags=("sql", "databases", "analytics"),
    level="intermediate",
    language="en",
    price_minor=2900,
    currency="EUR",
    sections=(
        S(
            "Querying one table",
            (
                L(
                    "SELECT and WHERE",
                    """Every query starts with `SELECT` (which columns) and `FROM` (which
table). `WHERE` keeps only the rows that match a condition:

```sql
SELECT name, city FROM customers WHERE country = 'Spain';
```

Text values go between single quotes. Combine conditions with `AND` and `OR`, and use
`IN ('Spain', 'Portugal')` for lists of values.""",
                    free_preview=True,
                ),
                L(
                    "Sorting and limiting",
                    """`ORDER BY total DESC` sorts the result from the largest to the smallest
total; add a second column to break ties. `LIMIT 10` keeps the first ten rows — together
they answer questions such as *"who are our ten best customers?"*.

Remember that without `ORDER BY` a database may return rows in any order.""",
                ),
            ),
        ),
        S(
            "Combining and summarising",
            (
                L(
                    "Joining tables",
                    """Orders refer to customers by `customer_id`. A join puts them side by side:

```sql
SELECT c.name, o.total
FROM orders o JOIN customers c ON c.id = o.customer_id;
```

An inner join keeps only matching rows; a `LEFT JOIN` keeps every customer, with empty
order columns for those who never ordered.""",
                ),
                L(
                    "GROUP BY and aggregates",
                    """`COUNT`, `SUM`, `AVG`, `MIN` and `MAX` summarise many rows into one.
With `GROUP BY` you get one summary per group:

```sql
SELECT country, COUNT(*) AS customers
FROM customers GROUP BY country HAVING COUNT(*) > 5;
```

`WHERE` filters rows before grouping; `HAVING` filters the groups afterwards.""",
                ),
                L(
                    "Case study: monthly revenue",
                    """Put everything together to report revenue per month: truncate the order
date to the month, join the order lines, group by month and sort chronologically. Then
compare each month with the previous one — a first step towards window functions.""",
                ),
            ),
        ),
    ),
    reviews=(("maria", 5, "The join lesson alone was worth it. Practical and to the point."),),
)

STATISTICS = DemoCourse(
    slug="statistics-essentials",
    title="Statistics Essentials",
    subtitle="Averages, spread and uncertainty without the jargon",
    description=(
        "<p>Statistics is the art of learning from data. This course builds intuition first "
        "and formulas second, with everyday examples.</p>"
    ),
    category="data",
    tags=("statistics", "data literacy"),
    level="beginner",
    language="en",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "Describing data",
            (
                L(
                    "Mean, median and mode",
                    """The **mean** adds all values and divides by their number; the
**median** is the middle value once they are sorted; the **mode** is the most frequent.

When a few values are extreme — think of salaries in a company with one very rich
founder — the mean is pulled towards them while the median is not. That is why reports
on incomes usually quote the median.""",
                    free_preview=True,
                ),
                L(
                    "Measuring spread",
                    """Two classes can have the same average mark and very different results.
The **range** (largest minus smallest) is simple but sensitive to one odd value. The
**standard deviation** measures a typical distance from the mean; about two thirds of
normally distributed values lie within one standard deviation of it.""",
                ),
            ),
        ),
        S(
            "From samples to populations",
            (
                L(
                    "Why we sample",
                    """We rarely measure everyone. A **random sample** — each member of the
population equally likely to be chosen — lets us estimate a population value. Larger
samples give estimates that vary less from one sample to the next; this variation is the
*standard error*.""",
                ),
                L(
                    "Confidence intervals",
                    """A 95 % confidence interval is built by a method that captures the true
value in 95 % of samples. It is **not** a 95 % chance that this particular interval is
right. Narrow intervals come from large samples and low variability.""",
                ),
                L(
                    "A short recap (audio)",
                    "Listen to the recap while you review your notes: mean versus median, "
                    "spread, samples and intervals.",
                    type="audio",
                    minutes=1,
                ),
            ),
        ),
    ),
    reviews=(("kenji", 4, "Good intuition-building. The confidence interval part clicked."),),
    learner_progress=2,
)

ACCESSIBILITY = DemoCourse(
    slug="web-accessibility-fundamentals",
    title="Web Accessibility Fundamentals",
    subtitle="Build pages that everyone can use",
    description=(
        "<p>About one person in six lives with a disability. Learn how people use the web "
        "with screen readers, keyboards and magnifiers, and how to build pages that work "
        "for them — guided by WCAG 2.2.</p>"
    ),
    category="design",
    tags=("accessibility", "html", "wcag"),
    level="intermediate",
    language="en",
    price_minor=1900,
    currency="EUR",
    sections=(
        S(
            "Principles",
            (
                L(
                    "The four principles of WCAG",
                    """WCAG organises its criteria under four principles: content must be
**perceivable** (text alternatives, captions, contrast), **operable** (keyboard access,
enough time, no seizures), **understandable** (readable text, predictable behaviour,
help with errors) and **robust** (works with assistive technologies).""",
                    free_preview=True,
                ),
                L(
                    "How a screen reader reads a page",
                    "Watch a page being navigated by headings and landmarks. Notice how "
                    "meaningless link texts such as *click here* lose all context.",
                    type="video",
                    minutes=1,
                ),
            ),
        ),
        S(
            "Practice",
            (
                L(
                    "Semantic HTML first",
                    """A `<button>` is focusable, announced as a button and activated with
Enter and Space — for free. A `<div>` with a click handler is none of these. Use headings
in order, `<label>` for every form field, lists for lists and tables for tabular data.
ARIA is for the cases HTML cannot express; *no ARIA is better than bad ARIA*.""",
                ),
                L(
                    "Colour and contrast",
                    """Normal text needs a contrast ratio of at least 4.5:1 with its
background, large text 3:1. Never use colour alone to convey meaning: an error field
shown only in red is invisible to many colour-blind users — add an icon and a message.""",
                ),
                L(
                    "Testing with a keyboard",
                    """Unplug your mouse. Can you reach every control with Tab, see where the
focus is, open and close menus with Enter and Escape? Keyboard testing takes minutes and
finds some of the most serious barriers.""",
                ),
            ),
        ),
    ),
)

MUSIC = DemoCourse(
    slug="music-theory-basics",
    title="Music Theory Basics",
    subtitle="Notes, intervals and chords for curious musicians",
    description=(
        "<p>Understand what you play and hear. From the pitch of a single note to the "
        "chords of your favourite songs, with listening exercises.</p>"
    ),
    category="music",
    tags=("music theory", "harmony", "ear training"),
    level="beginner",
    language="en",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "Sound and pitch",
            (
                L(
                    "Listening: the note A",
                    "This clip is a pure tone. Orchestras tune to A above middle C, usually "
                    "at 440 vibrations per second (440 Hz). Hum along and try to match it.",
                    type="audio",
                    free_preview=True,
                    minutes=1,
                ),
                L(
                    "Notes and octaves",
                    """Western music names notes with the letters A to G. After G the names
start again, an **octave** higher: a note an octave above another vibrates exactly twice
as fast, which is why the two sound "the same, only higher". Between the lettered notes
lie the sharps and flats — the black keys of a piano.""",
                ),
            ),
        ),
        S(
            "Building harmony",
            (
                L(
                    "Intervals",
                    """An interval is the distance between two notes, counted in semitones.
Three semitones make a minor third, four a major third, seven a perfect fifth. Thirds
give chords their colour; fifths give them stability.""",
                ),
                L(
                    "Major and minor triads",
                    """Stack a major third and a minor third and you get a **major triad**
(C–E–G), bright and settled. Swap them — minor third first — and you get a **minor
triad** (A–C–E), often heard as darker or sadder. Play both and listen to the
difference.""",
                ),
                L(
                    "The I–IV–V progression",
                    """In the key of C the chords on the first, fourth and fifth notes are C,
F and G. Countless blues, folk and rock songs use only these three. Try strumming
C–F–G–C and you will recognise the sound at once.""",
                ),
            ),
        ),
    ),
    reviews=(
        ("learner", 4, "Loved the listening exercises. Short and well paced."),
        ("amira", 5, "Finally intervals make sense to me."),
    ),
    learner_progress=5,
)

PHOTOGRAPHY = DemoCourse(
    slug="photography-composition",
    title="Composition for Photographers",
    subtitle="Make stronger pictures with any camera",
    description=(
        "<p>Great photographs are composed, not just taken. Learn the classic guidelines — "
        "and when to break them.</p>"
    ),
    category="design",
    tags=("photography", "composition"),
    level="beginner",
    language="en",
    price_minor=2400,
    currency="USD",
    sections=(
        S(
            "Seeing the frame",
            (
                L(
                    "The rule of thirds",
                    """Imagine two horizontal and two vertical lines dividing the frame into
nine equal parts. Placing the subject on one of the lines, or where they cross, usually
gives a more dynamic image than centring it. Put the horizon on a third line, not in the
middle.""",
                    free_preview=True,
                ),
                L(
                    "Leading lines and framing",
                    """Roads, fences, rivers and shadows lead the eye through the picture —
ideally towards the subject. Doorways, windows and branches can frame a subject and add
depth.""",
                ),
            ),
        ),
        S(
            "Light",
            (
                L(
                    "The golden hour",
                    """Shortly after sunrise and before sunset the light is warm, soft and
low, drawing long shadows that reveal texture. Midday sun is harsh from above; look for
shade or wait.""",
                ),
                L(
                    "A walk-through of one photograph",
                    "A short video analysing one street photograph: where the eye enters, "
                    "where it rests, and what was left out of the frame.",
                    type="video",
                    minutes=1,
                ),
            ),
        ),
    ),
    reviews=(("amira", 4, "Simple ideas that really changed my holiday pictures."),),
)

FINANCE = DemoCourse(
    slug="personal-finance-101",
    title="Personal Finance 101",
    subtitle="Budgeting, saving and understanding interest",
    description=(
        "<p>Take control of your money with a simple budget, an emergency fund and a clear "
        "understanding of interest — the force that works for savers and against "
        "borrowers.</p>"
    ),
    category="business",
    tags=("money", "budgeting", "saving"),
    level="beginner",
    language="en",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "Budgeting",
            (
                L(
                    "The 50/30/20 budget",
                    """A simple starting point: about 50 % of your take-home pay for needs
(rent, food, transport), 30 % for wants, 20 % for saving and paying off debt. Track one
month of spending first — most people are surprised where the money goes.""",
                    free_preview=True,
                ),
                L(
                    "An emergency fund",
                    """Aim for three to six months of essential expenses in an easily
accessible savings account. It turns a broken boiler or a lost job from a crisis into an
inconvenience, and keeps you away from expensive credit.""",
                ),
            ),
        ),
        S(
            "Interest",
            (
                L(
                    "Compound interest",
                    """Interest earned on interest grows faster and faster. 1,000 € at 5 %
a year becomes 1,050 € after one year, 1,629 € after ten, and 4,322 € after thirty. The
same arithmetic makes a credit card balance at 20 % double in under four years.""",
                ),
                L(
                    "Reading a loan offer",
                    """Compare loans by their **annual percentage rate** (APR), which includes
fees, not by the monthly payment. A lower payment spread over more years usually costs
more in total.""",
                ),
            ),
        ),
    ),
    reviews=(("maria", 5, "Practical and reassuring. The compound interest numbers hit home."),),
    learner_progress=4,
)

PROJECTS = DemoCourse(
    slug="project-management-essentials",
    title="Project Management Essentials",
    subtitle="Plan, run and close projects that deliver",
    description=(
        "<p>Whether you run a product launch or an office move, the same essentials apply: "
        "a clear scope, a realistic plan, visible risks and honest communication.</p>"
    ),
    category="business",
    tags=("project management", "agile", "planning"),
    level="intermediate",
    language="en",
    price_minor=3900,
    currency="EUR",
    sections=(
        S(
            "Starting well",
            (
                L(
                    "Defining scope",
                    """Write down what the project will deliver, for whom, and — just as
important — what it will **not** do. A one-page project charter agreed with the sponsor
prevents months of misunderstanding.""",
                    free_preview=True,
                ),
                L(
                    "Breaking work down",
                    """A work breakdown structure splits the deliverable into pieces small
enough to estimate and assign, typically a few days of work each. Estimates for small
pieces are far more reliable than one big guess.""",
                ),
            ),
        ),
        S(
            "Delivering",
            (
                L(
                    "Managing risks",
                    """List what could go wrong, rate each risk by likelihood and impact, and
decide on a response: avoid, reduce, transfer or accept. Review the list every week —
risks change as the project moves.""",
                ),
                L(
                    "Scrum in ten minutes",
                    """Scrum organises work in short sprints, usually two weeks. The team
plans the sprint, meets briefly every day, shows the result in a review and improves its
way of working in a retrospective. The product owner orders the backlog.""",
                ),
                L(
                    "Closing a project",
                    """Hand over the result, release the team, and hold a lessons-learned
session while memories are fresh. Write down what to repeat and what to avoid next
time.""",
                ),
            ),
        ),
        S(
            "Communication",
            (
                L(
                    "Status reports people read",
                    """Lead with the decision or help you need, then progress against the
plan, then risks. Use the same format every week, and a traffic light only if its
colours are honest.""",
                ),
            ),
        ),
    ),
)

CLIMATE = DemoCourse(
    slug="climate-science-explained",
    title="Climate Science Explained",
    subtitle="How the greenhouse effect works and what the evidence shows",
    description=(
        "<p>A calm, evidence-based introduction to the physics of climate, the record of "
        "past changes and what scientists expect next.</p>"
    ),
    category="science",
    tags=("climate", "earth science", "physics"),
    level="all",
    language="en",
    price_minor=0,
    currency="EUR",
    sections=(
        S(
            "The physics",
            (
                L(
                    "The greenhouse effect",
                    """Sunlight warms the Earth's surface, which radiates heat back as
infrared. Gases such as water vapour, carbon dioxide and methane absorb part of that
infrared and re-emit it in all directions, including downwards. Without this natural
effect the average surface temperature would be about −18 °C instead of +15 °C.""",
                    free_preview=True,
                ),
                L(
                    "Carbon dioxide then and now",
                    """Air bubbles trapped in Antarctic ice show that CO₂ stayed between
roughly 180 and 300 parts per million for 800,000 years. Direct measurements at Mauna Loa
passed 420 ppm in the 2020s; the rise matches the carbon released by burning fossil
fuels.""",
                ),
            ),
        ),
        S(
            "Evidence and outlook",
            (
                L(
                    "Reading a temperature record",
                    """Year-to-year temperatures wobble with El Niño and volcanic eruptions,
so scientists look at trends over decades. Independent records from weather stations,
ships, buoys and satellites agree: the world has warmed by about 1.2 °C since the late
nineteenth century.""",
                ),
                L(
                    "Feedbacks",
                    """Warming melts bright ice, exposing darker sea that absorbs more
sunlight; warmer air holds more water vapour, itself a greenhouse gas. These feedbacks
amplify the initial warming, and are the main source of uncertainty in projections.""",
                ),
            ),
        ),
    ),
    reviews=(("kenji", 5, "Balanced and clear. I now understand the ice-core graphs."),),
)

COURSES_EN: list[DemoCourse] = [
    PYTHON,
    SQL,
    STATISTICS,
    ACCESSIBILITY,
    MUSIC,
    PHOTOGRAPHY,
    FINANCE,
    PROJECTS,
    CLIMATE,
]
