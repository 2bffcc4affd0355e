"""What the training, evaluation and export commands at the top of scripts/ are made of.

common       names, paths and the CIFAKE loader shared by every command (through the serving preprocessing)
cifake       CIFAKE in the Kaggle layout: filling dataset/ from zips, a folder or Kaggle, checking the counts
modern       the modern set of today's photos and generators: its manifest, pictures and counts
pipeline     what the network trains on: the validation split, views of each picture, loss weights, tf.data
model        the CNN, the head for today's pictures on its frozen features, the mirror average
stages       the two training stages and the Keras loop they share: checkpoint choice, resumption
calibration  one temperature per kind of input, the thumbnails' folded into the model
model_card   the card a training run writes beside the model
metrics      accuracy, ROC-AUC, calibration error on P(REAL): NumPy and scikit-learn only
plots        the report's figures, drawn by evaluate.py
"""

import os

# TensorFlow's C++ start-up messages would bury the progress lines; set before any module here imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
