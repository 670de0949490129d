"""Every write of the library: one function, one transaction, permission checked inside.

- `contributions`: drafts, submission and review of practice sheets (Wagtail workflow);
- `translations`: the other language's version of an item;
- `adoptions`: "we adopt this practice";
- `documents`: uploads, checked by content.
"""
