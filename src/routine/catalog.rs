//! Where routines come from: built in (embedded in the binary) or the user's
//! `<config dir>/routines/*.toml`, which add to or override the built-in ones.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::routine::{self, Routine};

/// The routine `stretch tonight` runs when none is named.
pub(crate) const DEFAULT: &str = "wall-calf";

/// The routines shipped inside the binary.
const BUILT_IN: &[(&str, &str)] = &[
    ("wall-calf", include_str!("../../routines/wall-calf.toml")),
    ("wall-calf-single", include_str!("../../routines/wall-calf-single.toml")),
    ("cramp-relief", include_str!("../../routines/cramp-relief.toml")),
    ("seated-towel", include_str!("../../routines/seated-towel.toml")),
    ("wall-calf-bent-knee", include_str!("../../routines/wall-calf-bent-knee.toml")),
];

/// Where a routine was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary.
    BuiltIn,
    /// In the user's routine folder.
    User(PathBuf),
    /// A file named on the command line.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::User(p) | Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One row of `stretch routines`.
#[derive(Debug)]
pub struct Listing {
    /// The name that `--routine` takes.
    pub name: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The routine, or why it cannot be used.
    pub routine: std::result::Result<Routine, routine::RoutineError>,
    /// Whether a user routine of the same name hides the built-in one.
    pub overrides_built_in: bool,
}

/// Every routine, user routines overriding built-in ones of the same name, sorted by name.
pub fn list(routine_dir: Option<&Path>) -> Result<Vec<Listing>> {
    let mut entries: Vec<Listing> = BUILT_IN
        .iter()
        .map(|(name, text)| Listing {
            name: name.to_string(),
            origin: Origin::BuiltIn,
            routine: routine::parse(name, &built_in_file(name), text),
            overrides_built_in: false,
        })
        .collect();
    for path in user_files(routine_dir)? {
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        let entry =
            Listing { routine: read_file(&name, &path), overrides_built_in: false, name, origin: Origin::User(path) };
        match entries.iter_mut().find(|e| e.name == entry.name) {
            Some(existing) => *existing = Listing { overrides_built_in: true, ..entry },
            None => entries.push(entry),
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Resolves `--routine`: a path when it contains `/` or ends in `.toml`, else a
/// name looked up in the user's folder, then among the built-in routines. A
/// name never reaches outside those folders.
pub(crate) fn resolve(spec: &str, routine_dir: Option<&Path>) -> Result<(Routine, Origin)> {
    if is_path(spec) {
        let path = PathBuf::from(spec);
        // The name is shown and recorded: a file name cannot drive the terminal.
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| spec.to_string());
        let name = crate::visible::visible(&stem).into_owned();
        let routine = read_file(&name, &path).map_err(|e| Error::usage(e.to_string()))?;
        return Ok((routine, Origin::File(path)));
    }
    if !is_valid_name(spec) {
        return Err(Error::usage(format!(
            "invalid routine name {spec:?}: names use letters, digits, '-' and '_'; to use a file, give its path (./{spec}.toml)"
        )));
    }
    if let Some(dir) = routine_dir {
        let path = dir.join(format!("{spec}.toml"));
        // Anything there by that name is the person's routine, as `routines`
        // lists it: a FIFO or a dangling link is an error, not the built-in.
        if path.symlink_metadata().is_ok() {
            let routine = read_file(spec, &path).map_err(|e| Error::usage(e.to_string()))?;
            return Ok((routine, Origin::User(path)));
        }
    }
    match BUILT_IN.iter().find(|(name, _)| *name == spec) {
        Some((name, text)) => routine::parse(name, &built_in_file(name), text)
            .map(|r| (r, Origin::BuiltIn))
            .map_err(|e| Error::failure(e.to_string())),
        None => Err(Error::usage(format!("no routine named {spec:?}; `stretch routines` lists them"))),
    }
}

/// Whether `--routine` names a file rather than a routine.
pub(crate) fn is_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".toml")
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn built_in_file(name: &str) -> String {
    format!("built-in:{name}.toml")
}

fn read_file(name: &str, path: &Path) -> std::result::Result<Routine, routine::RoutineError> {
    let text = crate::files::read_text(path).map_err(|e| routine::RoutineError {
        file: path.display().to_string(),
        at: None,
        message: format!("cannot read routine: {}", crate::error::io_cause(&e)),
    })?;
    routine::parse(name, &path.display().to_string(), &text)
}

/// The `*.toml` files in the user's routine folder; a missing folder has none.
fn user_files(dir: Option<&Path>) -> Result<Vec<PathBuf>> {
    let Some(dir) = dir else { return Ok(Vec::new()) };
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read the routine folder", dir, &e)),
    };
    let mut files: Vec<PathBuf> = read
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && p.file_stem().and_then(|s| s.to_str()).is_some_and(is_valid_name)
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_routine_is_built_in() {
        let (r, origin) = resolve(DEFAULT, None).unwrap();
        assert_eq!(r.name, DEFAULT);
        assert_eq!(origin, Origin::BuiltIn);
    }

    #[test]
    fn every_routine_file_in_the_source_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("routines");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let built_in: Vec<_> = list(None).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(built_in, files);
    }

    #[test]
    fn names_never_escape_the_routine_folders() {
        for spec in ["..", "a b", "~", "wall-calf\0"] {
            let err = resolve(spec, None).unwrap_err();
            assert_eq!(err.code, crate::error::code::USAGE, "{spec}");
        }
        // Dots make it a name and an invalid one, not a path.
        assert!(resolve("..", None).unwrap_err().message.contains("invalid routine name"));
    }

    #[test]
    fn user_routines_override_and_add() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wall-calf.toml"), "summary = \"mine\"\n[hold]\nduration = 5\n").unwrap();
        std::fs::write(dir.path().join("extra.toml"), "[hold]\nduration = 5\n").unwrap();
        let entries = list(Some(dir.path())).unwrap();
        let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["cramp-relief", "extra", "seated-towel", "wall-calf", "wall-calf-bent-knee", "wall-calf-single"]
        );
        let mine = &entries[3];
        assert!(mine.overrides_built_in);
        assert_eq!(mine.routine.as_ref().unwrap().summary, "mine");
        let (r, origin) = resolve("wall-calf", Some(dir.path())).unwrap();
        assert_eq!(r.summary, "mine");
        assert!(matches!(origin, Origin::User(_)));
    }

    #[test]
    fn an_unknown_name_points_to_the_list() {
        let err = resolve("nope", None).unwrap_err();
        assert!(err.message.contains("stretch routines"), "{}", err.message);
    }
}
