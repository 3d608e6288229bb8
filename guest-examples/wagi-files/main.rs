//! A WAGI handler that serves the component's `files`: GET /<route>/<path> answers the
//! file at /<path> (PATH_INFO), 404 with a Status header when it cannot be read, and a
//! directory listing (one name a line) for a directory.
use std::io::Write;

fn main() {
    let path = std::env::var("PATH_INFO").unwrap_or_default();
    let path = if path.is_empty() { "/".to_string() } else { path };
    let mut out = std::io::stdout();
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            let mut names: Vec<String> = match std::fs::read_dir(&path) {
                Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
                Err(err) => return not_found(&path, &err.to_string()),
            };
            names.sort();
            write!(out, "Content-Type: text/plain\n\n").unwrap();
            for n in names {
                writeln!(out, "{}", n).unwrap();
            }
        }
        Ok(_) => match std::fs::read(&path) {
            Ok(bytes) => {
                write!(out, "Content-Type: application/octet-stream\n\n").unwrap();
                out.write_all(&bytes).unwrap();
            }
            Err(err) => not_found(&path, &err.to_string()),
        },
        Err(err) => not_found(&path, &err.to_string()),
    }
}

fn not_found(path: &str, why: &str) {
    print!("Status: 404\nContent-Type: text/plain\n\ncannot read {}: {}\n", path, why);
}
