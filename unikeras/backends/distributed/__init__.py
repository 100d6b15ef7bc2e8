"""Each framework's data-parallel engine (``unikeras.distribution.engine.Engine``), one module per
framework, imported only when a distribution is used on that backend."""
