//! Errors as users see them: one line, each cause once.

/// `error`'s chain on one line. DataFusion errors often repeat their source in their own
/// message, so a cause already contained in the line is not added again.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
    }
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
