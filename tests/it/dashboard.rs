//! `callsql dashboard` end to end: the page's numbers are its canned queries' numbers, and
//! a real browser (Debian's Chromium, which `.ci/run` installs with a CJK font) renders it
//! with its chart, its campaign filter and no script error or blocked request.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::support::{assert_one_line_error, callsql, fixtures, generate_to, stderr, stdout};

/// Writes the board of `data` with `args` to a fresh directory; returns the page.
fn board(data: &Path, args: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("board.html");
    let mut all = vec![
        "--data",
        data.to_str().unwrap(),
        "dashboard",
        "--out",
        page.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let output = callsql(&all, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    (dir, page, html)
}

/// The rows of `callsql run NAME` as CSV records, header first.
fn canned_rows(name: &str, params: &[&str]) -> Vec<Vec<String>> {
    let data = fixtures();
    let mut args = vec![
        "--data",
        data.to_str().unwrap(),
        "--format",
        "csv",
        "run",
        name,
    ];
    for param in params {
        args.extend(["--param", param]);
    }
    let output = callsql(&args, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0].iter().position(|c| c == name).unwrap()
}

fn percent(text: &str) -> String {
    format!("{:.1}%", 100.0 * text.parse::<f64>().unwrap())
}

fn grouped(text: &str) -> String {
    let digits = text.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Each campaign row shows kpi_overview's attempts and rates; the tiles show kpi_daily's
/// last day; the first driver under the connect tile is the largest effect among
/// kpi_change_drivers' campaigns, caller numbers and hours for that day.
#[test]
fn panels_equal_their_canned_queries() {
    let (_dir, _page, html) = board(&fixtures(), &["--lang", "en"]);
    // Every heading and column has a label: no key shows through.
    for tag in ["<h2>", "<h3>", "<th>"] {
        for piece in html.split(tag).skip(1) {
            let label = &piece[..piece.find('<').unwrap()];
            assert!(!label.contains('_'), "unlabelled {tag}{label}");
        }
    }
    // Hot topics: top_intents' rows.
    let intents = canned_rows("top_intents", &[]);
    for row in &intents[1..] {
        let cells = format!(
            "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            row[column(&intents, "intent")],
            grouped(&row[column(&intents, "calls")]),
            percent(&row[column(&intents, "share")]),
        );
        assert!(html.contains(&cells), "{cells}");
    }
    // The funnel's rows and the agents with most calls.
    let funnel = canned_rows("funnel_by_attempt", &[]);
    for row in &funnel[1..] {
        let cells = format!(
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            row[column(&funnel, "attempt_no")],
            grouped(&row[column(&funnel, "attempts")]),
            percent(&row[column(&funnel, "live_rate")]),
        );
        assert!(html.contains(&cells), "{cells}");
    }
    let agents = canned_rows("agent_performance", &[]);
    let busiest = agents[1..]
        .iter()
        .max_by_key(|row| row[column(&agents, "calls")].parse::<u64>().unwrap())
        .unwrap();
    let cells = format!(
        "<td>{}</td><td>{}</td><td class=\"num\">{}</td>",
        busiest[column(&agents, "agent_id")],
        busiest[column(&agents, "team")],
        grouped(&busiest[column(&agents, "calls")]),
    );
    assert!(html.contains(&cells), "{cells}");
    let overview = canned_rows("kpi_overview", &[]);
    for row in &overview[1..] {
        let campaign = &row[column(&overview, "campaign_id")];
        let start = html
            .find(&format!("<tr data-campaign=\"{campaign}\">"))
            .unwrap_or_else(|| panic!("no row for {campaign}"));
        let end = start + html[start..].find("</tr>").unwrap();
        let shown = &html[start..end];
        assert!(
            shown.contains(&format!(
                "<td class=\"num\">{}</td>",
                grouped(&row[column(&overview, "attempts")])
            )),
            "{shown}"
        );
        for rate in [
            "connect_rate",
            "conversion_rate",
            "abandon_rate_tsr",
            "transfer_rate",
        ] {
            let value = percent(&row[column(&overview, rate)]);
            assert!(
                shown.contains(&format!("</span>{value}</td>")),
                "{rate} {value}: {shown}"
            );
        }
    }

    let daily = canned_rows("kpi_daily", &[]);
    let last = daily.last().unwrap();
    for rate in [
        "connect_rate",
        "conversion_rate",
        "abandon_rate",
        "ban_rate",
    ] {
        let tile = format!(
            "data-indicator=\"{rate}\"><div class=\"name\">{}</div><div class=\"value\">{}</div>",
            callsql::dashboard::Lang::En.text(rate),
            percent(&last[column(&daily, rate)])
        );
        assert!(html.contains(&tile), "{tile}");
    }

    // Script ranking: each script's trials and success rate.
    let scripts = canned_rows("script_ranking", &[]);
    for row in &scripts[1..] {
        let cells = format!(
            "<td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            row[column(&scripts, "campaign_id")],
            row[column(&scripts, "script_id")],
            grouped(&row[column(&scripts, "trials")]),
            percent(&row[column(&scripts, "success_rate")]),
        );
        assert!(html.contains(&cells), "{cells}");
    }
    // Compliance findings per rule and campaign, counted by SQL over the canned query.
    let data = fixtures();
    let counted = callsql(
        &[
            "--data",
            data.to_str().unwrap(),
            "--format",
            "csv",
            "-c",
            "SELECT rule, campaign_id, count(*) AS n FROM compliance_audit() GROUP BY 1, 2",
        ],
        &[],
    );
    let counted = stdout(&counted);
    assert!(counted.lines().count() > 5, "{counted}");
    for line in counted.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let shown = format!(
            "<td>{}</td><td>{}</td><td class=\"num\">{}</td>",
            callsql::dashboard::Lang::En.text(cells[0]),
            cells[1],
            grouped(cells[2])
        );
        assert!(html.contains(&shown), "{shown}");
    }
    assert!(html.contains("data-chart=\"staffing\"><svg"));

    let day = format!("day={}", last[column(&daily, "day")]);
    let mut largest: Option<(f64, String)> = None;
    for dimension in ["campaign", "caller_number", "hour"] {
        let dimension_param = format!("dimension={dimension}");
        let drivers = canned_rows("kpi_change_drivers", &[&day, &dimension_param]);
        let effect = column(&drivers, "effect");
        for row in &drivers[1..] {
            let value: f64 = row[effect].parse().unwrap();
            if largest
                .as_ref()
                .is_none_or(|(best, _)| value.abs() > best.abs())
            {
                largest = Some((value, row[column(&drivers, "segment")].clone()));
            }
        }
    }
    let (effect, segment) = largest.unwrap();
    let tile = &html[html.find("data-indicator=\"connect_rate\"").unwrap()..];
    let first = &tile[tile.find("<li>").unwrap()..tile.find("</li>").unwrap()];
    assert!(first.contains(&segment), "{first} against {segment}");
    assert!(
        first.contains(&format!("{:.1}", 100.0 * effect.abs())),
        "{first} against {effect}"
    );
}

/// Chromium when installed; under CI a missing browser fails the test.
fn browser() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| which(name));
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "no Chromium: .ci/run installs Debian's chromium"
        );
        eprintln!("skipped: no Chromium on PATH");
    }
    found
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file())
}

/// The DOM after the page's script ran, and Chromium's log (console errors and refused
/// requests are logged there).
fn rendered(chromium: &Path, url: &str, screenshot: Option<&Path>) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        "--window-size=1280,1800",
        &format!("--user-data-dir={}", profile.path().display()),
    ]);
    match screenshot {
        Some(path) => command.arg(format!("--screenshot={}", path.display())),
        None => command.arg("--dump-dom"),
    };
    let started = Instant::now();
    let output = command.arg(url).output().unwrap();
    eprintln!("chromium took {:?} for {url}", started.elapsed());
    assert!(output.status.success(), "{}", stderr(&output));
    (stdout(&output), stderr(&output))
}

fn assert_clean_log(log: &str) {
    for needle in [
        "Uncaught",
        "Refused to",
        "Content Security Policy",
        "net::ERR",
    ] {
        assert!(
            !log.lines().any(|line| line.contains(needle)),
            "{needle} in Chromium's log:\n{log}"
        );
    }
}

/// Both languages render: the chart drew, the script ran under the policy (a link to
/// `#campaign=cmp003` hides the other campaigns' rows), nothing was refused or failed;
/// the screenshots are kept under the target directory.
#[test]
fn the_page_renders_in_a_real_browser() {
    let Some(chromium) = browser() else { return };
    for lang in ["zh", "en"] {
        let (_dir, page, html) = board(&fixtures(), &["--lang", lang]);
        eprintln!("{lang} page: {} bytes", html.len());
        let url = format!("file://{}#campaign=cmp003", page.display());
        let (dom, log) = rendered(&chromium, &url, None);
        assert_clean_log(&log);
        // The line chart draws a path a series (two), the bar chart a rectangle a bar.
        for (name, mark, least) in [
            ("trend", "<path", 2),
            ("heatmap", "<rect", 20),
            ("staffing", "<rect", 6),
        ] {
            let start = dom
                .find(&format!("data-chart=\"{name}\""))
                .expect("a chart");
            let chart = &dom[start..start + dom[start..].find("</svg>").unwrap()];
            assert!(
                chart.contains("<svg") && chart.matches(mark).count() >= least,
                "the {name} chart drew nothing"
            );
        }
        assert!(
            dom.contains("<tr data-campaign=\"cmp003\"><td>cmp003</td>"),
            "{dom}"
        );
        assert!(
            dom.contains("<tr data-campaign=\"cmp001\" hidden=\"\">"),
            "{dom}"
        );
        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dashboard-{lang}.png"));
        let (_, log) = rendered(
            &chromium,
            &format!("file://{}", page.display()),
            Some(&shot),
        );
        assert_clean_log(&log);
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    }
}

/// A campaign named like markup shows as text in the browser: no element is made of it.
#[test]
fn hostile_campaign_names_render_as_text() {
    let Some(chromium) = browser() else { return };
    let hostile = "<img src=x onerror=alert(1)>";
    let data = tempfile::tempdir().unwrap();
    let drivers = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kpi/drivers");
    let copy = format!(
        "COPY (SELECT * REPLACE (CASE WHEN campaign_id = 'cmpA' THEN '{hostile}' ELSE campaign_id END AS campaign_id) FROM calls) \
         TO '{}/calls/' STORED AS PARQUET PARTITIONED BY (dt)",
        data.path().display()
    );
    let output = callsql(&["--data", drivers.to_str().unwrap(), "-c", &copy], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_dir, page, html) = board(data.path(), &[]);
    assert!(!html.contains("<img"), "{html}");
    let (dom, log) = rendered(&chromium, &format!("file://{}", page.display()), None);
    assert_clean_log(&log);
    assert!(!dom.contains("<img"), "{dom}");
    assert!(
        dom.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"),
        "{dom}"
    );
}

/// A destination that cannot be written fails in one line, before any query runs, and
/// leaves nothing.
#[test]
fn a_bad_destination_fails_in_one_line() {
    let data = fixtures();
    let output = callsql(
        &[
            "--data",
            data.to_str().unwrap(),
            "dashboard",
            "--out",
            "s3://bucket",
        ],
        &[],
    );
    assert_one_line_error(&output, &["names a bucket"]);
    let dir = tempfile::tempdir().unwrap();
    let output = callsql(
        &[
            "--data",
            data.to_str().unwrap(),
            "dashboard",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_one_line_error(&output, &["is a directory"]);
    // Neither destination: clap's list of what is missing stays on the one line.
    let output = callsql(&["--data", data.to_str().unwrap(), "dashboard"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: the following required arguments were not provided: --out <FILE|URL> \
         (see callsql --help)\n"
    );
    let output = callsql(
        &[
            "--data",
            data.to_str().unwrap(),
            "dashboard",
            "--serve",
            "0.0.0.0:0",
        ],
        &[],
    );
    assert_one_line_error(&output, &["listens on loopback only"]);
}

/// The body of `GET /` at `address`, or None while nothing answers.
fn fetch(address: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// The page's data day, from its header.
fn shown_day(page: &str) -> Option<&str> {
    let start = page.find("Day: ")? + "Day: ".len();
    page.get(start..start + 10)
}

/// Served live, the page reflects a day's file added under --data after a refresh, asks
/// the browser to reload at the same interval, and SIGTERM stops the server cleanly.
#[test]
fn the_served_page_shows_new_files_after_a_refresh() {
    let data = tempfile::tempdir().unwrap();
    let calls = data.path().join("calls");
    for entry in std::fs::read_dir(fixtures().join("calls")).unwrap() {
        let day = entry.unwrap().path();
        let target = calls.join(day.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        std::fs::copy(day.join("part-0.parquet"), target.join("part-0.parquet")).unwrap();
    }
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut server = Command::new(env!("CARGO_BIN_EXE_callsql"))
        .args([
            "--data",
            data.path().to_str().unwrap(),
            "dashboard",
            "--lang",
            "en",
        ])
        .args(["--serve", &address, "--refresh", "1s"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = |what: &str, done: &dyn Fn(&str) -> bool| {
        let started = Instant::now();
        loop {
            if let Some(page) = fetch(&address).filter(|page| done(page)) {
                return page;
            }
            assert!(
                started.elapsed().as_secs() < 90,
                "the server never showed {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    let first = wait_for("a page", &|page| shown_day(page).is_some());
    assert_eq!(shown_day(&first), Some("2025-06-14"));
    assert!(first.contains("<meta http-equiv=\"refresh\" content=\"1\">"));
    let new_day = calls.join("dt=2025-06-15");
    std::fs::create_dir_all(&new_day).unwrap();
    std::fs::copy(
        calls.join("dt=2025-06-14/part-0.parquet"),
        new_day.join("part-0.parquet"),
    )
    .unwrap();
    wait_for("the new day", &|page| shown_day(page) == Some("2025-06-15"));
    let pid = i32::try_from(server.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM stops the server cleanly");
}

/// Fifty campaigns over a month stay far below 3 MB, and every campaign can be chosen.
#[test]
fn fifty_campaigns_fit_in_a_small_page() {
    let data = tempfile::tempdir().unwrap();
    generate_to(&data.path().display().to_string(), 100_000, 3, 30, 50);
    let (_dir, _page, html) = board(data.path(), &[]);
    eprintln!("50 campaigns: {} bytes", html.len());
    assert!(html.len() < 3 * 1024 * 1024, "{} bytes", html.len());
    assert_eq!(html.matches("<option value=\"cmp").count(), 50);
}

/// The text of the value shown in tile `indicator` of a rendered page.
fn tile_value<'a>(dom: &'a str, indicator: &str) -> &'a str {
    let tile = &dom[dom
        .find(&format!("data-indicator=\"{indicator}\""))
        .unwrap_or_else(|| panic!("no {indicator} tile"))..];
    let value = &tile[tile.find("<div class=\"value\">").unwrap() + 19..];
    &value[..value.find("</div>").unwrap()]
}

/// An Asterisk CDR says who answered and for how long, nothing about outcome, transfer or
/// complaints: in both languages the board shows those rates as "—" (unknown), never as
/// 0.0 %, while the connect rate it can compute is a percentage.
#[test]
fn an_imported_switch_log_shows_unknown_rates_as_unknown() {
    let Some(chromium) = browser() else { return };
    let data = tempfile::tempdir().unwrap();
    let master = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/import/asterisk/Master.csv");
    let output = callsql(
        &[
            "import",
            "--from",
            "asterisk",
            "--tz",
            "Asia/Shanghai",
            "--out",
            data.path().to_str().unwrap(),
            master.to_str().unwrap(),
        ],
        &[],
    );
    // Exit 3: the fixture's five broken records are rejected.
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    for lang in ["zh", "en"] {
        let (_dir, page, _html) = board(data.path(), &["--lang", lang]);
        let (dom, log) = rendered(&chromium, &format!("file://{}", page.display()), None);
        assert_clean_log(&log);
        for unknown in ["conversion_rate", "transfer_rate", "complaint_rate", "csat"] {
            assert_eq!(tile_value(&dom, unknown), "—", "{lang} {unknown}");
        }
        assert!(tile_value(&dom, "connect_rate").ends_with('%'), "{lang}");
        // The campaign rows: attempts and connect known, conversion and transfer not.
        let row = &dom[dom
            .find("<tr data-campaign=\"camp-a\">")
            .expect("camp-a's row")..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert_eq!(
            row.matches('%').count(),
            2,
            "connect and abandon only: {row}"
        );
        assert_eq!(
            row.matches('—').count(),
            2,
            "conversion and transfer: {row}"
        );
    }
}
