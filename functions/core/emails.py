"""E-mail addresses as TaskFlow stores and compares them."""


def normalise_email(email: str) -> str:
    """Stored lower-cased, so uniqueness and look-ups are case-insensitive."""
    return email.strip().lower()
