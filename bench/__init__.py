"""The measurement harness: the mock against bare aiohttp, driven by wrk (``python -m bench``)."""
