"""The semantic fallback: which page a question means when it names none.

The question's embedding (the one computed for answering it) is compared with
every page's profile row (its names, family words, terms, descriptor and
summary: :func:`knowledge.index.build.profile_text`). :func:`choose_pages`
turns the ranking into a decision: one page when it is clearly the best, two
or three when they stand out together, none otherwise.

The thresholds were chosen with the real embedder (all-MiniLM-L6-v2) on the
real patients' dev split (its "answer" rows' procedure) and on
tests/dev/questions.jsonl, plus twenty generic questions of our own that name
no procedure ("does it hurt", "can i eat before"), as negatives:

- Over all 171 positive questions (sweeping 0.30-0.50 by 0.05 and margins
  0.03-0.10), a page's profile scores 0.45 or more, with a margin of 0.08 or
  more over the second page, for 105 of them, 101 rightly (the misses: two
  pages of one family, e.g. the two stress tests). At 0.40 it would answer 21
  more, none wrongly, but within 0.05 of the generic questions below; at 0.50,
  21 fewer for one wrong answer less. 0.45 keeps a margin from the negatives.
- The generic questions score at most 0.35 (one exception: a question about
  being put to sleep scores 0.50 for the sleep study, the word "sleep").
- Between 0.38 and a clear decision, the right page was among the top three
  in every dev case seen: the bot asks with those.

Below :data:`ASK_SCORE` the bot asks with every page, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The best page is used alone when it scores this much ...
CLEAR_SCORE = 0.45
#: ... and this much more than the second page.
CLEAR_MARGIN = 0.08
#: Below this best score no page stands out: the bot asks with every page.
ASK_SCORE = 0.38
#: Pages this close to the best one are offered beside it (two or three in all).
ASK_NEAR = 0.08
#: How many pages the bot offers at most when it is not sure.
MAX_CHOICES = 3


def choose_pages(ranked: Sequence[tuple[str, float]]) -> tuple[str, ...]:
    """What the ranking says: one code (clear), two or three (stand out together), or none.

    Args:
        ranked: (code, score) of the pages, best first.
    """
    if not ranked or ranked[0][1] < ASK_SCORE:
        return ()
    best = ranked[0][1]
    if len(ranked) == 1 or (best >= CLEAR_SCORE and best - ranked[1][1] >= CLEAR_MARGIN):
        return (ranked[0][0],)
    near = [code for code, score in ranked[2:MAX_CHOICES] if best - score <= ASK_NEAR]
    return (ranked[0][0], ranked[1][0], *near)
