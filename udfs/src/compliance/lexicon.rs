//! The compliance lexicon: the terms a call must not contain, and one Aho–Corasick
//! automaton that finds all of them in a single pass over a transcript.

use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};

use aho_corasick::{AhoCorasick, MatchKind};
use datafusion::common::{DataFusionError, Result};

use crate::common::fold::{fold_width, needs_folding};

/// The lexicon that ships with callsql (sources in the file).
const BUILTIN: &str = include_str!("default_lexicon.txt");

/// A set of terms, matched with full-width/half-width folding and Latin case folding.
///
/// It is built once, when the functions are constructed, and carried inside them; two
/// lexicons are equal when their terms are.
#[derive(Clone)]
pub struct Lexicon {
    /// Terms as written, in the order first listed; duplicates after folding dropped.
    terms: Vec<String>,
    matcher: AhoCorasick,
}

impl Lexicon {
    /// The default lexicon: absolute advertising terms, efficacy and return guarantees,
    /// collection threats and false urgency, each group citing its legal source.
    pub fn builtin() -> Self {
        // Building only fails for automata too large for memory; the builtin text is fixed
        // and a unit test builds it.
        #[allow(clippy::expect_used)]
        Self::parse(BUILTIN).expect("the builtin lexicon builds")
    }

    /// A lexicon read from text: one term per line; blank lines and `#` comments ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let terms = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string);
        Self::from_terms(terms)
    }

    /// This lexicon's terms followed by those of `other`.
    pub fn extended_with(&self, other: &Lexicon) -> Result<Self> {
        Self::from_terms(self.terms.iter().chain(&other.terms).cloned())
    }

    /// The terms, as written.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// A lexicon of these terms, as written (another lexicon's `terms()` give it back).
    pub fn from_terms(terms: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut kept = Vec::new();
        let mut folded_terms = Vec::new();
        let mut seen = HashSet::new();
        for term in terms {
            let folded = fold(&term);
            if !folded.is_empty() && seen.insert(folded.clone()) {
                folded_terms.push(folded);
                kept.push(term);
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&folded_terms)
            .map_err(|error| DataFusionError::Configuration(format!("lexicon: {error}")))?;
        Ok(Self {
            terms: kept,
            matcher,
        })
    }

    /// Whether `text` contains any term.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.matcher.is_match(fold_if_needed(text).as_ref())
    }

    /// Each term `text` contains, once, in the order of its first occurrence (overlapping
    /// terms all count: `稳赚不赔` contains `稳赚` and `稳赚不赔`).
    pub(crate) fn hits(&self, text: &str) -> Vec<&str> {
        let mut hits: Vec<(usize, &str)> = Vec::new();
        let text = fold_if_needed(text);
        for found in self.matcher.find_overlapping_iter(text.as_ref()) {
            let term = self.terms[found.pattern().as_usize()].as_str();
            match hits.iter_mut().find(|(_, hit)| std::ptr::eq(*hit, term)) {
                Some((start, _)) => *start = (*start).min(found.start()),
                None => hits.push((found.start(), term)),
            }
        }
        hits.sort_by_key(|&(start, term)| (start, std::cmp::Reverse(term.len())));
        hits.into_iter().map(|(_, term)| term).collect()
    }
}

/// Folds full-width forms to ASCII and Latin letters to lower case.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| fold_width(c).to_ascii_lowercase())
        .collect()
}

/// `text` folded, borrowing it when folding would not change it.
fn fold_if_needed(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_folding(text) {
        std::borrow::Cow::Owned(fold(text))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

impl PartialEq for Lexicon {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms
    }
}

impl Eq for Lexicon {}

impl Hash for Lexicon {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.terms.hash(state);
    }
}

impl fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lexicon")
            .field("terms", &self.terms.len())
            .finish()
    }
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(lexicon: &Lexicon, text: &str) -> Vec<String> {
        lexicon.hits(text).into_iter().map(str::to_string).collect()
    }

    #[test]
    fn builtin_lexicon_parses() {
        let lexicon = Lexicon::parse(BUILTIN).unwrap();
        assert!(lexicon.terms().len() >= 30);
        assert_eq!(Lexicon::builtin(), lexicon);
    }

    #[test]
    fn overlapping_terms_are_all_found_in_order_of_first_occurrence() {
        let lexicon = Lexicon::parse("稳赚\n稳赚不赔\n不赔\n收益").unwrap();
        assert_eq!(
            hits(&lexicon, "保证收益,稳赚不赔,稳赚"),
            ["收益", "稳赚不赔", "稳赚", "不赔"]
        );
    }

    #[test]
    fn width_and_case_are_folded_both_ways() {
        let lexicon = Lexicon::parse("100%有效\nＶＩＰ专享\nNo.1").unwrap();
        assert_eq!(hits(&lexicon, "本品１００％有效"), ["100%有效"]);
        assert_eq!(hits(&lexicon, "vip专享活动"), ["ＶＩＰ专享"]);
        assert_eq!(hits(&lexicon, "全国ｎｏ．１"), ["No.1"]);
        assert!(lexicon.is_match("ＮＯ.1"));
    }

    #[test]
    fn empty_and_clean_text_have_no_hits() {
        let lexicon = Lexicon::builtin();
        assert!(hits(&lexicon, "").is_empty());
        assert!(hits(&lexicon, "坐席:您好,请问现在方便接听电话吗?").is_empty());
        assert!(!lexicon.is_match(""));
    }

    #[test]
    fn comments_blank_lines_and_duplicates_are_dropped() {
        let lexicon = Lexicon::parse("# heading\n\n  零风险  \n零风险\nＡＢ\nab\n").unwrap();
        assert_eq!(lexicon.terms(), ["零风险", "ＡＢ"]);
    }

    #[test]
    fn extending_appends_new_terms_only() {
        let base = Lexicon::parse("零风险").unwrap();
        let extra = Lexicon::parse("零风险\n包赚").unwrap();
        assert_eq!(
            base.extended_with(&extra).unwrap().terms(),
            ["零风险", "包赚"]
        );
    }
}
