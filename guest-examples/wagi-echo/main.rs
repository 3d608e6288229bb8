//! A WAGI handler (a WASI preview1 command, run with executor = { type = "wagi" }): echoes
//! its argv, its CGI environment and its stdin (the request body) as text/plain. A request
//! with ?status=N answers with a Status header; ?location=URL with a Location header;
//! ?exit=N ends with proc_exit(N) after writing the response; ?silent writes nothing;
//! ?stderr writes one log line to stderr in three unbuffered writes; ?hop also sends the
//! connection-level headers a guest may not set (Connection, Keep-Alive, Upgrade, …).
use std::io::{Read, Write};

fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let mut it = kv.splitn(2, '=');
        if it.next() == Some(key) { Some(it.next().unwrap_or("")) } else { None }
    })
}

fn main() {
    let query = std::env::var("QUERY_STRING").unwrap_or_default();
    if query_value(&query, "silent").is_some() {
        return;
    }
    if query_value(&query, "stderr").is_some() {
        // Rust's stderr is unbuffered: three writes, one line.
        eprint!("wagi-echo says: ");
        eprint!("piece by piece");
        eprintln!(", one line");
    }
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).expect("read stdin");
    let mut out = std::io::stdout();
    if let Some(location) = query_value(&query, "location") {
        write!(out, "Location: {}\n", location).unwrap();
    } else {
        write!(out, "Content-Type: text/plain; charset=utf-8\r\n").unwrap();
    }
    if let Some(status) = query_value(&query, "status") {
        write!(out, "Status: {} Custom\n", status).unwrap();
    }
    if query_value(&query, "hop").is_some() {
        write!(out, "Connection: upgrade\nKeep-Alive: timeout=1\nUpgrade: h2c\nProxy-Connection: close\nTransfer-Encoding: gzip\n").unwrap();
    }
    write!(out, "X-Guest: wagi-echo\n\n").unwrap();
    for arg in std::env::args() {
        writeln!(out, "arg {}", arg).unwrap();
    }
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in vars {
        writeln!(out, "env {}={}", k, v).unwrap();
    }
    write!(out, "body ").unwrap();
    out.write_all(&body).unwrap();
    out.flush().unwrap();
    if let Some(code) = query_value(&query, "exit") {
        std::process::exit(code.parse().unwrap_or(1));
    }
}
