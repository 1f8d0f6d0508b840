"""The commands of `roadmap`, grouped by what they do; importing them registers them."""
