"""Citations for the web pages: the same as the exports' and the CLI's (kb.citation)."""
from kb.citation import citation, locator, printed_number  # noqa: F401
from kb.numerals import to_chinese as cn_number  # noqa: F401
