"""autoflow: plain Python control flow, compiled with JAX."""
__version__ = "0.1.0"
