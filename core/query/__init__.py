"""Questions in plain words: the parser of breakdown questions and the breakdown over the cube."""
