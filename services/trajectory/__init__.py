"""The trajectory of a case as a whole: the goals it works towards, the home
visits, the people in the family's recordings, the reflection conversations
with the parents, and how the interaction changes from visit to visit."""
