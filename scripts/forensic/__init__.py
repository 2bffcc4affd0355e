"""Pixel forensics at native resolution, and the protocol that says whether they hold on unseen sources.

network   the fixed high-pass front ends (NPR residual, SRM filters, Haar wavelet high band) and the small CNN
data      the native crops from `scripts/build_sources.py`, sampled per source and class, augmented alike
protocol  folds of whole sources, per-source ROC-AUC, and the shortcut baseline (size, format, JPEG quality)
training  one model on some sources, with checkpoints that resume, scored on a fixed grid of crops
"""
