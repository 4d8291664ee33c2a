//! Records that belong to one call (Asterisk's CDRs sharing a linkedid, FreeSWITCH's A and
//! B legs, Twilio's child legs, Amazon Connect's re-delivered contact records) are held
//! until no more of them can come, then merged into one call.
//!
//! Switches write a record when a leg ends, so the records of one call sit close together
//! in time: a group is complete once the log has moved `window` past its last record.
//! That keeps memory to the calls of the last window, not the whole file.

use std::collections::HashMap;

/// Records handled between looks for complete groups.
const SWEEP_EVERY: usize = 16 * 1024;

pub struct Folder<G> {
    groups: HashMap<u64, Group<G>>,
    /// Every key of a group (a call may be reachable by several ids) → its group.
    keys: HashMap<String, u64>,
    next_id: u64,
    newest_ms: i64,
    window_ms: i64,
    since_sweep: usize,
}

struct Group<G> {
    value: G,
    last_ms: i64,
    keys: Vec<String>,
}

impl<G> Folder<G> {
    pub fn new(window_ms: i64) -> Self {
        Folder {
            groups: HashMap::new(),
            keys: HashMap::new(),
            next_id: 0,
            newest_ms: i64::MIN,
            window_ms,
            since_sweep: 0,
        }
    }

    /// The group any of `keys` already belongs to, or a new one from `make`; every key is
    /// joined to it. `true` when the group existed.
    pub fn group(&mut self, keys: &[&str], at_ms: i64, make: impl FnOnce() -> G) -> (&mut G, bool) {
        self.newest_ms = self.newest_ms.max(at_ms);
        self.since_sweep += 1;
        let found = keys.iter().find_map(|k| self.keys.get(*k).copied());
        let id = found.unwrap_or_else(|| {
            let id = self.next_id;
            self.next_id += 1;
            self.groups.insert(
                id,
                Group {
                    value: make(),
                    last_ms: at_ms,
                    keys: Vec::new(),
                },
            );
            id
        });
        for key in keys.iter().filter(|k| !k.is_empty()) {
            if !self.keys.contains_key(*key) {
                self.keys.insert((*key).to_string(), id);
                if let Some(group) = self.groups.get_mut(&id) {
                    group.keys.push((*key).to_string());
                }
            }
        }
        #[allow(clippy::expect_used)]
        let group = self
            .groups
            .get_mut(&id)
            .expect("a group id in the key map is always in the group map");
        group.last_ms = group.last_ms.max(at_ms);
        (&mut group.value, found.is_some())
    }

    /// Groups the log has moved past, every so often (empty in between).
    pub fn complete(&mut self) -> Vec<G> {
        if self.since_sweep < SWEEP_EVERY {
            return Vec::new();
        }
        self.since_sweep = 0;
        let horizon = self.newest_ms.saturating_sub(self.window_ms);
        let done: Vec<u64> = self
            .groups
            .iter()
            .filter(|(_, g)| g.last_ms < horizon)
            .map(|(id, _)| *id)
            .collect();
        self.take(done)
    }

    /// Every group still held, in the order they started.
    pub fn drain(&mut self) -> Vec<G> {
        let mut all: Vec<u64> = self.groups.keys().copied().collect();
        all.sort_unstable();
        self.take(all)
    }

    fn take(&mut self, mut ids: Vec<u64>) -> Vec<G> {
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| self.groups.remove(&id))
            .map(|group| {
                for key in &group.keys {
                    self.keys.remove(key);
                }
                group.value
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_join_by_any_key_and_leave_after_the_window() {
        let mut folder = Folder::<Vec<u32>>::new(1000);
        folder.group(&["a", "b"], 0, Vec::new).0.push(1);
        let (group, existed) = folder.group(&["b", "c"], 10, Vec::new);
        group.push(2);
        assert!(existed);
        folder.group(&["c"], 20, Vec::new).0.push(3);
        folder.group(&["z"], 30, Vec::new).0.push(9);
        for _ in 0..SWEEP_EVERY {
            folder.group(&["late"], 5000, Vec::new);
        }
        let done = folder.complete();
        assert_eq!(done, vec![vec![1, 2, 3], vec![9]]);
        // "a" was released with its group: it starts a new one.
        assert!(!folder.group(&["a"], 5000, Vec::new).1);
        assert_eq!(folder.drain().len(), 2);
    }
}
