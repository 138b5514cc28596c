//! Records dated after now: a clock set back (or a journal from a machine
//! whose clock ran ahead) leaves the views blank, so the views say why.

use chrono::{DateTime, FixedOffset};

/// Whether a record dated `at` is dated after `now` by more than a day.
pub(crate) fn ahead(at: &DateTime<FixedOffset>, now: &DateTime<FixedOffset>) -> bool {
    *at > *now + chrono::Duration::days(1)
}

/// Warns when records are dated after `now` by more than a day: a clock set
/// back (or a journal from a machine whose clock ran ahead) would otherwise
/// leave the views blank with no word why.
pub(crate) fn warn(
    path: &std::path::Path,
    times: impl Iterator<Item = DateTime<FixedOffset>>,
    now: &DateTime<FixedOffset>,
) {
    let (count, latest) = times
        .filter(|t| ahead(t, now))
        .fold((0usize, None), |(n, latest), t| (n + 1, Some(latest.map_or(t, |l: DateTime<FixedOffset>| l.max(t)))));
    let Some(latest) = latest else { return };
    crate::errln!(
        "stretch: warning: {count} record{} in {} {} dated after now ({}), the latest {}; the views end at today; if the system clock is wrong, set it",
        if count == 1 { "" } else { "s" },
        path.display(),
        if count == 1 { "is" } else { "are" },
        now.format("%Y-%m-%d"),
        latest.format("%Y-%m-%d")
    );
}
