//! The one way stretch changes a crontab: under a lock keyed on the user (one
//! crontab per user, whatever data directory each command names), applied to
//! the crontab as it is just before installing (read again, and the change
//! made again, if anyone else wrote it meanwhile), with exactly what was
//! installed saved first, and read back after.
//!
//! Slow work (proving an entry can take a minute) is done before the lock is
//! taken; what runs under it takes milliseconds.

use std::path::{Path, PathBuf};

use super::backup;
use super::block::CrontabText;
use super::crontab::CrontabProgram;
use crate::error::{Error, Result};

/// The lock every crontab edit of this user takes, in the home directory.
pub(crate) const LOCK: &str = ".stretch-crontab.lock";
/// How many times the crontab may change under an edit before it gives up.
const ATTEMPTS: usize = 5;

/// The crontab as installed (`None`: the user has none) and cut around the block.
pub(crate) fn read(program: &CrontabProgram) -> Result<(Option<String>, CrontabText)> {
    let text = program.read()?;
    Ok((text.clone(), parse(text.as_deref())?))
}

fn parse(text: Option<&str>) -> Result<CrontabText> {
    CrontabText::parse(text.unwrap_or("")).map_err(|why| {
        Error::failure(format!(
            "your crontab's stretch block is damaged ({why}); fix it with `crontab -e`; nothing was changed"
        ))
    })
}

/// What a guarded edit did.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing needed changing; nothing was installed.
    Unchanged,
    /// The new crontab is installed; the one before is saved here.
    Installed(PathBuf),
}

/// Applies `change` (which says whether it changed anything, or fails and
/// changes nothing) to the installed crontab and installs the result, under
/// the user's lock. The crontab is read again just before installing: if
/// someone else wrote it since it was read, the change is made again on what
/// they wrote, so their edit is kept. `data_dir` keeps the backup and the
/// scratch file; `home` the lock.
pub(crate) fn apply(
    program: &CrontabProgram,
    data_dir: &Path,
    home: &Path,
    mut change: impl FnMut(&mut CrontabText) -> Result<bool>,
) -> Result<Outcome> {
    let _lock = lock(home)?;
    let mut text = program.read()?;
    for _ in 0..ATTEMPTS {
        let mut crontab = parse(text.as_deref())?;
        if !change(&mut crontab)? {
            return Ok(Outcome::Unchanged);
        }
        let new = crontab.render();
        // Saved before the last read, not after: the backup is a synced write,
        // and another writer's save landing between that read and the install
        // would be overwritten unseen. Only the read and the install are left
        // in that window.
        let saved = backup::save(data_dir, text.as_deref().unwrap_or(""))?;
        let now = program.read()?;
        if now != text {
            // Written by someone else (`crontab -e`) since it was read: theirs wins, ours again on top.
            // The backup is of a crontab that was never replaced by stretch: not kept.
            let _ = std::fs::remove_file(&saved);
            text = now;
            continue;
        }
        program.install(&new, data_dir)?;
        let after = program.read()?;
        if after.as_deref() != Some(new.as_str()) {
            return Err(Error::failure(format!(
                "the crontab reads back differently from what stretch installed: another program wrote it at the \
                 same moment, or `crontab` changed it; check it with `crontab -l` and `stretch schedule list` before \
                 changing anything; the crontab from just before is saved in {}",
                saved.display()
            )));
        }
        return Ok(Outcome::Installed(saved));
    }
    Err(Error::failure(format!(
        "your crontab changed {ATTEMPTS} times while stretch was changing it (another program is writing it); \
         nothing was changed; run the command again once it is done"
    )))
}

/// Waits for any other stretch editing this user's crontab, then holds the
/// lock until dropped. Keyed on the home directory, where cron runs the
/// user's jobs: every data directory shares one crontab.
fn lock(home: &Path) -> Result<std::fs::File> {
    let path = home.join(LOCK);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = crate::files::open_no_follow(&path, &mut options).map_err(|e| Error::io("create", &path, &e))?;
    file.lock().map_err(|e| Error::io("lock", &path, &e))?;
    Ok(file)
}
