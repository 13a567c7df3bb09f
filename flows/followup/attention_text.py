"""The attention summary as a Telegram text: for /status and the daily digest."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flows.core.i18n import _
from flows.followup import dashboard_labels
from flows.followup.attention import Attention

TOP_ITEMS = 3


def summary(found: Attention, dashboard_url: str) -> str:
    if not found.total:
        return _("Nothing needs attention right now.") + "\n" + dashboard_url
    lines = [_("Needs attention:")]
    for concern, count in found.counts.items():
        if not count:
            continue
        lines.append("")
        lines.append("⚠️ " + dashboard_labels.concern(concern, count))
        for item in found.items.get(concern, [])[:TOP_ITEMS]:
            when = (
                item.starts_at.astimezone(ZoneInfo(item.timezone)).strftime("%Y-%m-%d %H:%M")
                if item.starts_at
                else "–"
            )
            who = f", {item.convenor}" if item.convenor else ""
            lines.append(_("• meeting {id}, {when}{who}", id=item.meeting_id, when=when, who=who))
    lines += ["", _("Dashboard: {url}", url=dashboard_url)]
    return "\n".join(lines)
