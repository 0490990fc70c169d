"""Settings for the whole test suite."""

import os

# Conversions are not kept on disk while testing (autoflow/conversion_cache.py), so
# that tests neither write to the user's cache nor read conversions made by an
# earlier run; tests/autoflow/test_conversion_cache.py turns it on where it tests it.
os.environ.setdefault("AUTOFLOW_CACHE", "0")
