"""Colours and other page conventions shared by every figure of the book.

On the ground floor so that the parts (which draw the figures) and the publication (which
places them) use the same conventions without the parts importing the publication.
"""

#: One colour per repository type, across the whole book.
REPO_TYPE_COLORS = {"model": "#1f77b4", "dataset": "#ff7f0e", "space": "#2ca02c"}
#: One colour per license group.
LICENSE_GROUP_COLORS = {"permissive": "#4daf4a", "restrictive": "#e41a1c", "none": "#999999", "other": "#984ea3"}
#: One colour per owner kind (Part III).
KIND_COLORS = {"organization": "#6a3d9a", "user": "#e7a33e", "unclassified": "#bdbdbd"}
