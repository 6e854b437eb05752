"""Colours and other page conventions shared by every figure of the book.

On the ground floor so that the parts (which draw the figures) and the publication (which
places them) use the same conventions without the parts importing the publication. Colours
come from the Okabe-Ito palette (Okabe & Ito 2008), which stays distinguishable with every
common form of colour blindness.
"""

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "grey": "#999999",
}
#: One colour per repository type, across the whole book.
REPO_TYPE_COLORS = {"model": OKABE_ITO["blue"], "dataset": OKABE_ITO["orange"], "space": OKABE_ITO["green"]}
#: One colour per license group.
LICENSE_GROUP_COLORS = {
    "permissive": OKABE_ITO["green"],
    "restrictive": OKABE_ITO["vermillion"],
    "none": OKABE_ITO["grey"],
    "other": OKABE_ITO["purple"],
}
#: One colour per owner kind (Part III).
KIND_COLORS = {"organization": OKABE_ITO["blue"], "user": OKABE_ITO["orange"], "unclassified": "#BBBBBB"}
#: One colour per owner category (who is behind an account: analysis.parts.owners.CATEGORIES).
CATEGORY_COLORS = {
    "company": OKABE_ITO["blue"],
    "academic": OKABE_ITO["green"],
    "non-profit": OKABE_ITO["purple"],
    "community": OKABE_ITO["orange"],
    "individual": OKABE_ITO["vermillion"],
    "unclassified": "#BBBBBB",
}
