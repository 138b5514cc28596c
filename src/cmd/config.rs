//! `stretch config`: the settings in effect, and where each comes from, so a
//! person can see why tonight's routine is what it is.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Result, code};
use crate::paths::Paths;
use crate::routine::Routine;
use crate::settings::{Layer, Settings};

/// Prints the effective settings to stdout.
pub(crate) fn run(settings: &Settings, paths: &Paths) -> Result<u8> {
    let routine = settings.routine(paths.routine_dir().as_deref())?;
    let looked_at = settings.file.clone().or_else(|| paths.config_file());
    crate::term::output::text(&render(looked_at.as_deref(), settings.file.is_some(), settings, &routine));
    Ok(code::OK)
}

/// The config file's place and state, then one line per setting: name, value, source.
pub(crate) fn render(file: Option<&Path>, found: bool, settings: &Settings, routine: &Routine) -> String {
    let mut out = match (file, found) {
        (Some(path), true) => format!("Config file: {}\n", path.display()),
        (Some(path), false) => format!("Config file: {} (none yet; defaults apply)\n", path.display()),
        (None, _) => "Config file: none (no config directory; set STRETCH_CONFIG_DIR or use --config)\n".to_string(),
    };
    let rows = settings.rows(routine);
    // A long value (the day's slots) runs past the column rather than widen it.
    let width = rows.iter().map(|(_, s)| s.value.len()).filter(|&n| n <= 32).max().unwrap_or(0);
    out.push('\n');
    for (name, setting) in rows {
        let source = match setting.layer {
            Layer::Routine => format!("routine {}", routine.name),
            other => other.to_string(),
        };
        let _ = writeln!(out, "{name:<16}  {:<width$}  {source}", setting.value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Config, Flags};

    #[test]
    fn each_line_names_its_source() {
        let mut config = crate::settings::parse("c", "hold = 7\n").unwrap();
        config.path = Some("/c/config.toml".into());
        let settings = Settings::resolve(&Flags { volume: Some(5), ..Flags::default() }, &config);
        let routine = settings.routine(None).unwrap();
        let text = render(config.path.as_deref(), true, &settings, &routine);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], "Config file: /c/config.toml");
        assert_eq!(lines[2], "routine           wall-calf  default");
        assert_eq!(lines[3], "reps              3          routine wall-calf");
        assert_eq!(lines[4], "hold              7s         /c/config.toml");
        assert_eq!(lines[8], "volume            5          flag --volume");
        assert_eq!(lines[9], "max_volume        100        default");
        assert_eq!(lines[10], "device            -          default");
        assert_eq!(lines[11], "day_starts        04:00      default");
        assert_eq!(lines[12], "cramp_day_starts  12:00      default");
    }

    #[test]
    fn a_volume_above_the_cap_says_what_is_played() {
        let config = crate::settings::parse("c", "max_volume = 50\n").unwrap();
        let settings = Settings::resolve(&Flags { volume: Some(80), ..Flags::default() }, &config);
        let text = render(None, false, &settings, &settings.routine(None).unwrap());
        let line = text.lines().find(|l| l.starts_with("volume ")).unwrap();
        assert!(line.contains(" 80 (played at 50: max_volume)  flag --volume"), "{line}");
        let settings = Settings::resolve(&Flags { volume: Some(40), ..Flags::default() }, &config);
        let text = render(None, false, &settings, &settings.routine(None).unwrap());
        assert!(!text.contains("played at"), "{text}");
    }

    #[test]
    fn a_missing_file_says_defaults_apply() {
        let settings = Settings::resolve(&Flags::default(), &Config::default());
        let routine = settings.routine(None).unwrap();
        let text = render(Some(Path::new("/c/config.toml")), false, &settings, &routine);
        assert!(text.starts_with("Config file: /c/config.toml (none yet; defaults apply)\n"), "{text}");
    }
}
