"""The native-resolution data set, built from the public repositories listed in dataset/sources.csv.

catalogue  reads the list: one rule per (source, label) naming a repository, a commit and a path glob
gitfiles   finds each rule's files in a git repository (a local mirror or a fresh clone) and reads them
pictures   opens a file by content and measures what a shortcut could use (size, format, JPEG quality)
dedup      drops exact and perceptual duplicates, and whole groups whose copies disagree on the label
folds      assigns whole sources to cross-validation folds
build      runs them in order and writes the manifest, the shrunk pictures and the native crops
"""
