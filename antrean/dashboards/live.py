"""Today's live queue of an office on its dashboard (antrean.stats.live reads it)."""


def office_live_content(*, office, agency_ids):
    return None
