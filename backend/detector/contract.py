"""The model contract shared by training, serving and evaluation.

classifier.h5 takes float32 RGB pixels in 0..255 of shape (None, 32, 32, 3),
rescales them itself, and returns (None, 1): the sigmoid probability that the
image is REAL. Above THRESHOLD means REAL, otherwise FAKE.
"""

from .preprocessing import IMAGE_SIZE

# Label 1 is REAL; listed in label order, which Keras would otherwise make alphabetical.
CLASS_NAMES = ("FAKE", "REAL")
THRESHOLD = 0.5

# Layer names that Grad-CAM and calibration look for (optional in other models):
# the pre-sigmoid score, and the network that scores one view when the model
# averages the image and its mirror image.
LOGIT_LAYER = "logit"
SINGLE_VIEW_MODEL = "single_view"

__all__ = ["CLASS_NAMES", "IMAGE_SIZE", "LOGIT_LAYER", "SINGLE_VIEW_MODEL", "THRESHOLD"]
