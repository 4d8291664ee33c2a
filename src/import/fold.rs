//! Records that belong to one call (Asterisk's CDRs sharing a linkedid, FreeSWITCH's A and
//! B legs, Twilio's child legs, Amazon Connect's re-delivered contact records) are held
//! until no more of them can come, then merged into one call.
//!
//! Switches write a record when a leg ends, so the records of one call sit close together
//! in time: a group is complete once the log has moved `window` past its last record.
//! That keeps memory to the calls of the last window, not the whole file.

use std::collections::HashMap;

use anyhow::Result;

use super::{Call, Records};

/// Records handled between looks for complete groups.
const SWEEP_EVERY: usize = 16 * 1024;

/// Groups of legs `L`, each merged into one call when complete.
pub struct Folder<L> {
    groups: HashMap<u64, Group<L>>,
    /// Every key of a group (a call may be reachable by several ids) → its group.
    keys: HashMap<String, u64>,
    next_id: u64,
    newest_ms: i64,
    window_ms: i64,
    since_sweep: usize,
}

struct Group<L> {
    legs: Vec<L>,
    last_ms: i64,
    keys: Vec<String>,
}

impl<L> Folder<L> {
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

    /// Adds `leg` to the group any of `keys` already belongs to (one more folded leg), or
    /// to a new one; every key is joined to it. Groups the log has moved past are merged
    /// and handed on.
    pub fn add(
        &mut self,
        keys: &[&str],
        at_ms: i64,
        leg: L,
        records: &mut dyn Records,
        merge: fn(Vec<L>) -> Call,
    ) -> Result<()> {
        let (legs, existed) = self.group(keys, at_ms);
        legs.push(leg);
        if existed {
            records.folded(1);
        }
        for legs in self.complete() {
            records.call(merge(legs))?;
        }
        Ok(())
    }

    /// Merges and hands on every group still held, at the end of the input.
    pub fn finish(&mut self, records: &mut dyn Records, merge: fn(Vec<L>) -> Call) -> Result<()> {
        for legs in self.drain() {
            records.call(merge(legs))?;
        }
        Ok(())
    }

    /// The group any of `keys` already belongs to, or a new one; every key is joined to
    /// it. `true` when the group existed.
    fn group(&mut self, keys: &[&str], at_ms: i64) -> (&mut Vec<L>, bool) {
        self.newest_ms = self.newest_ms.max(at_ms);
        self.since_sweep += 1;
        let found = keys.iter().find_map(|k| self.keys.get(*k).copied());
        let id = found.unwrap_or_else(|| {
            self.next_id += 1;
            self.next_id
        });
        let group = self.groups.entry(id).or_insert_with(|| Group {
            legs: Vec::new(),
            last_ms: at_ms,
            keys: Vec::new(),
        });
        for key in keys.iter().filter(|k| !k.is_empty()) {
            if !self.keys.contains_key(*key) {
                self.keys.insert((*key).to_string(), id);
                group.keys.push((*key).to_string());
            }
        }
        group.last_ms = group.last_ms.max(at_ms);
        (&mut group.legs, found.is_some())
    }

    /// Groups the log has moved past, every so often (empty in between).
    fn complete(&mut self) -> Vec<Vec<L>> {
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
    fn drain(&mut self) -> Vec<Vec<L>> {
        let mut all: Vec<u64> = self.groups.keys().copied().collect();
        all.sort_unstable();
        self.take(all)
    }

    fn take(&mut self, mut ids: Vec<u64>) -> Vec<Vec<L>> {
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| self.groups.remove(&id))
            .map(|group| {
                for key in &group.keys {
                    self.keys.remove(key);
                }
                group.legs
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_join_by_any_key_and_leave_after_the_window() {
        let mut folder = Folder::<u32>::new(1000);
        folder.group(&["a", "b"], 0).0.push(1);
        let (group, existed) = folder.group(&["b", "c"], 10);
        group.push(2);
        assert!(existed);
        folder.group(&["c"], 20).0.push(3);
        folder.group(&["z"], 30).0.push(9);
        for _ in 0..SWEEP_EVERY {
            folder.group(&["late"], 5000);
        }
        let done = folder.complete();
        assert_eq!(done, vec![vec![1, 2, 3], vec![9]]);
        // "a" was released with its group: it starts a new one.
        assert!(!folder.group(&["a"], 5000).1);
        assert_eq!(folder.drain().len(), 2);
    }
}
