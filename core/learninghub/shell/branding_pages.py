"""Placeholder: filled in by the web-shell work in progress."""


def includeme(config) -> None:
    return None
