"""The one error of the Decree 30 rules: a value the rules do not allow (a number below 1, an
unknown document type, a notation without its parts). Callers translate it into their own."""


class RuleError(ValueError):
    """A value that Decree 30/2020 (Appendix I, III) does not allow; the message says which."""
