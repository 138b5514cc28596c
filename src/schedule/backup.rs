//! The saved crontabs: exactly what was installed before each change stretch
//! made, in `crontab-backups/` in the data dir, the last ten kept. A backup is
//! written whole under a temporary name and renamed into place, so a full disk
//! never leaves a truncated file among the kept ones.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where the crontab is saved before each change, in the data dir.
pub(crate) const BACKUPS: &str = "crontab-backups";
/// How many saved crontabs are kept; older ones are deleted.
const KEPT: usize = 10;
/// Every kept backup's name starts with this; nothing else in the folder does.
const PREFIX: &str = "crontab-";

/// Saves `text` as `crontab-backups/crontab-<local time>` in `data_dir`
/// (private: the directory 0700, the file 0600), keeping the last ten.
/// Either the whole text is saved and synced, or no backup is added.
pub(crate) fn save(data_dir: &Path, text: &str) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let backups = data_dir.join(BACKUPS);
    crate::paths::create_private_dir(&backups)?;
    std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io("make private", &backups, &e))?;
    // Written under a name no reader counts as a backup; removed on failure.
    let mut file = tempfile::Builder::new()
        .prefix(".partial-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(&backups)
        .map_err(|e| Error::io("create a backup in", &backups, &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| Error::io("write the crontab backup in", &backups, &e))?;
    let stamp = crate::env::wall_clock(std::time::SystemTime::now())?.format("%Y-%m-%dT%H%M%S%.3f");
    for attempt in 0.. {
        let name = if attempt == 0 { format!("{PREFIX}{stamp}") } else { format!("{PREFIX}{stamp}-{attempt}") };
        let path = backups.join(name);
        match file.persist_noclobber(&path) {
            Ok(_) => {
                prune(&backups);
                return Ok(path);
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => file = e.file,
            Err(e) => return Err(Error::io("save", &path, &e.error)),
        }
    }
    unreachable!("some attempt number is free")
}

/// Deletes all but the newest [`KEPT`] saved crontabs (their names sort by
/// time), and partial files a killed save left behind.
fn prune(backups: &Path) {
    let Ok(dir) = std::fs::read_dir(backups) else { return };
    let names: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
    let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut saved: Vec<&PathBuf> = names.iter().filter(|p| name(p).starts_with(PREFIX)).collect();
    saved.sort();
    let excess = saved.len().saturating_sub(KEPT);
    let stale = |p: &&PathBuf| {
        name(p).starts_with(".partial-")
            && std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600))
    };
    for old in saved[..excess].iter().copied().chain(names.iter().filter(stale)) {
        if let Err(e) = std::fs::remove_file(old) {
            crate::errln!("stretch: warning: could not delete the old crontab backup {}: {e}", old.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backup_is_whole_private_and_only_ten_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut last = PathBuf::new();
        for i in 0..13 {
            last = save(dir.path(), &format!("crontab {i}\n")).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&last).unwrap(), "crontab 12\n");
        assert_eq!(std::fs::metadata(&last).unwrap().permissions().mode() & 0o777, 0o600);
        let kept: Vec<_> = std::fs::read_dir(dir.path().join(BACKUPS)).unwrap().flatten().collect();
        assert_eq!(kept.len(), KEPT);
    }

    #[test]
    #[ignore = "it mounts a 64 KiB tmpfs, which needs root"]
    fn a_backup_that_does_not_fit_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(mounted.success(), "mount a tmpfs (run as root)");
        let kept = save(dir.path(), "small\n").unwrap();
        let result = save(dir.path(), &"x".repeat(200 * 1024));
        let names: Vec<String> = std::fs::read_dir(dir.path().join(BACKUPS))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let _ = std::process::Command::new("umount").arg(dir.path()).status();
        let err = result.unwrap_err();
        assert!(err.message.contains("write the crontab backup"), "{}", err.message);
        assert_eq!(names, [kept.file_name().unwrap().to_string_lossy().into_owned()], "only the whole backup");
    }
}
