"""Private parts of :mod:`nhsstd.testing.sandbox`: the HTTP server and one module per register."""
