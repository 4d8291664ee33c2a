//! Backslash commands, as psql spells them where psql has one.

use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use datafusion::common::ScalarValue;

use super::{Flow, Repl};
use crate::format::OutputFormat;
use crate::{canned, catalogue};

/// Every command with its arguments and what it does, for `\?` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    ("\\?", "this help"),
    ("\\q", "quit (also Ctrl-D)"),
    ("\\d", "list the tables"),
    ("\\d NAME", "the columns of table NAME with their types"),
    (
        "\\df [PATTERN]",
        "callsql's functions; one name (or a pattern matching one) shows its documentation",
    ),
    ("\\dq", "the canned queries and their parameters"),
    (
        "\\run NAME [k=v …]",
        "run canned query NAME with parameters",
    ),
    (
        "\\i FILE",
        "run the statements and backslash commands in FILE",
    ),
    ("\\format table|csv|json", "how results are printed"),
    ("\\timing [on|off]", "print each statement's time"),
    (
        "\\maxrows [N|all]",
        "rows a table shows (the count covers them all); 100 at the prompt",
    ),
    (
        "\\set float_digits [N|exact]",
        "significant digits of floats in tables (default 6); csv and json stay exact",
    ),
    (
        "\\pager [on|off|COMMAND]",
        "page tables through $PAGER or `less -FRSX`, or through COMMAND",
    ),
];

impl Repl {
    /// Runs one backslash command; errors are reported and the session goes on.
    pub(super) async fn command(&mut self, line: &str) -> Flow {
        let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let outcome = match name {
            "\\q" | "\\quit" => return Flow::Quit,
            "\\?" | "\\h" | "\\help" => {
                let width = COMMANDS.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
                let help: String = COMMANDS
                    .iter()
                    .map(|(command, what)| format!("  {command:width$}  {what}\n"))
                    .collect();
                print_text(&format!(
                    "{help}Statements end with `;` and may span lines. Ctrl-C cancels a running statement.\n"
                ))
            }
            "\\d" if rest.is_empty() => self.list_tables().await,
            "\\d" => self.describe_table(rest).await,
            "\\df" => {
                let pattern = (!rest.is_empty()).then_some(rest);
                let docs = catalogue::matching(catalogue::functions(&self.ctx.state()), pattern);
                print_text(&catalogue::render(&docs, pattern))
            }
            "\\dq" => canned::builtin().and_then(|queries| print_text(&canned::describe(&queries))),
            "\\run" => self.run_canned(rest).await,
            "\\i" => self.include(rest).await,
            "\\format" => self.set_format(rest),
            "\\timing" => self.set_timing(rest),
            "\\maxrows" => self.set_max_rows(rest),
            "\\set" => self.set(rest),
            "\\pager" => self.set_pager(rest),
            _ => Err(anyhow!("unknown command {name}; \\? lists the commands")),
        };
        if let Err(error) = outcome {
            self.report(&error);
        }
        Flow::Continue
    }

    async fn list_tables(&mut self) -> Result<()> {
        let started = Instant::now();
        let frame = self
            .ctx
            .sql(
                "SELECT table_name AS table, count(*) AS columns \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 GROUP BY table_name ORDER BY table_name",
            )
            .await?;
        self.cancellable(frame, started).await
    }

    async fn describe_table(&mut self, name: &str) -> Result<()> {
        let started = Instant::now();
        if !self.ctx.table_exist(name)? {
            bail!("no table named {name}; \\d lists the tables");
        }
        let frame = self
            .ctx
            .sql(
                "SELECT column_name AS column, data_type AS type, is_nullable AS nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            )
            .await?
            .with_param_values(vec![ScalarValue::Utf8(Some(name.to_lowercase()))])?;
        self.cancellable(frame, started).await
    }

    async fn run_canned(&mut self, arguments: &str) -> Result<()> {
        let words = split_words(arguments)?;
        let Some((name, params)) = words.split_first() else {
            bail!("usage: \\run NAME [k=v …]; \\dq lists the queries");
        };
        let params = params
            .iter()
            .map(|word| {
                word.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| anyhow!("expected NAME=VALUE, got '{word}'"))
            })
            .collect::<Result<Vec<_>>>()?;
        let started = Instant::now();
        let query = canned::find(name)?;
        let frame = query.dataframe(&self.ctx, &params).await?;
        self.cancellable(frame, started).await
    }

    async fn include(&mut self, path: &str) -> Result<()> {
        if path.is_empty() {
            bail!("usage: \\i FILE");
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
        self.script(&text).await
    }

    fn set_format(&mut self, name: &str) -> Result<()> {
        if name.is_empty() {
            return print_text(&format!("format is {}\n", self.display.format.name()));
        }
        let format = OutputFormat::from_str(name, true)
            .map_err(|_| anyhow!("unknown format {name}; use table, csv or json"))?;
        if format == OutputFormat::Parquet {
            bail!(
                "parquet is binary: write it with `callsql run … --out FILE` or COPY … TO 'FILE'"
            );
        }
        self.display.format = format;
        Ok(())
    }

    fn set_max_rows(&mut self, setting: &str) -> Result<()> {
        let style = &mut self.display.style;
        style.max_rows = match setting {
            "" => style.max_rows,
            "all" | "0" => None,
            n => Some(
                n.parse()
                    .map_err(|_| anyhow!("usage: \\maxrows [N|all], got {n}"))?,
            ),
        };
        let shown = style
            .max_rows
            .map_or_else(|| "all".to_string(), |n| n.to_string());
        print_text(&format!("maxrows is {shown}\n"))
    }

    /// `\set NAME [VALUE]`; float_digits is the one setting.
    fn set(&mut self, arguments: &str) -> Result<()> {
        let (name, value) = arguments
            .split_once(char::is_whitespace)
            .unwrap_or((arguments, ""));
        if name != "float_digits" {
            bail!("usage: \\set float_digits [N|exact]");
        }
        let style = &mut self.display.style;
        style.float_digits = match value.trim() {
            "" => style.float_digits,
            "exact" => None,
            n => match n.parse::<usize>() {
                Ok(digits @ 1..=17) => Some(digits),
                _ => bail!("float_digits is 1 to 17 or exact, got {n}"),
            },
        };
        let shown = style
            .float_digits
            .map_or_else(|| "exact".to_string(), |n| n.to_string());
        print_text(&format!("float_digits is {shown}\n"))
    }

    fn set_pager(&mut self, setting: &str) -> Result<()> {
        self.display.pager = match setting {
            "" if self.display.pager.is_some() => None,
            "" | "on" => Some(
                std::env::var("PAGER")
                    .ok()
                    .filter(|pager| !pager.trim().is_empty())
                    .unwrap_or_else(|| "less -FRSX".to_string()),
            ),
            "off" => None,
            command => Some(command.to_string()),
        };
        let shown = self.display.pager.as_deref().unwrap_or("off");
        print_text(&format!("pager is {shown}\n"))
    }

    fn set_timing(&mut self, setting: &str) -> Result<()> {
        self.timing = match setting {
            "" => !self.timing,
            "on" => true,
            "off" => false,
            _ => bail!("usage: \\timing [on|off]"),
        };
        print_text(&format!(
            "timing is {}\n",
            if self.timing { "on" } else { "off" }
        ))
    }
}

fn print_text(text: &str) -> Result<()> {
    crate::output::to_stdout(&mut std::io::stdout().lock(), text.as_bytes())
}

/// Splits on whitespace, keeping single- or double-quoted runs together (`tz='Asia/X Y'`).
fn split_words(text: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        bail!("unclosed quote in `{text}`");
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn quoted_words_keep_their_spaces() {
        assert_eq!(
            split_words("q  tz='A B' x=\"it's\" e=''").unwrap(),
            vec!["q", "tz=A B", "x=it's", "e="]
        );
        assert!(split_words("x='open").is_err());
    }
}
