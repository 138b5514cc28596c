//! Embeds the spoken cues: one `(phrase, FLAC bytes)` entry per line of
//! `sounds/voice/index.tsv`, which `sounds/generate.sh` writes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let index_path = Path::new(&root).join("sounds/voice/index.tsv");
    println!("cargo::rerun-if-changed={}", index_path.display());
    let index = std::fs::read_to_string(&index_path).expect("sounds/voice/index.tsv is readable");
    let mut table = String::from("&[\n");
    for line in index.lines().filter(|l| !l.trim().is_empty()) {
        let (file, phrase) = line.split_once('\t').expect("index.tsv lines are FILE<TAB>PHRASE");
        let clip = Path::new(&root).join("sounds/voice").join(file);
        println!("cargo::rerun-if-changed={}", clip.display());
        writeln!(table, "    ({phrase:?}, include_bytes!({:?})),", clip.display().to_string())
            .expect("writing to a String");
    }
    table.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("voice.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
