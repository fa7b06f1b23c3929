"""plankb: a knowledge base and search for Chinese government plans."""
__version__ = "0.1.0"
