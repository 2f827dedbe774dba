"""The live schedule keeps no tables of its own yet."""
