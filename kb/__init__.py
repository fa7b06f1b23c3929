"""kb: ingest, document model and graph of Chinese government plans."""
