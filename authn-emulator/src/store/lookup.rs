//! A hash index from a string to a session or user number, whose strings are
//! stored once, in the records themselves: at a million sessions a map keyed
//! by owned strings would hold every id and token twice.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// `&str → u32`, the key of each entry read through `key_of`.
#[derive(Default)]
pub(super) struct Lookup {
    table: HashTable<u32>,
}

impl Lookup {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Lookup {
            table: HashTable::with_capacity(capacity),
        }
    }

    /// Entries `0..len`, each under `key_of(n)`; `Err(n)`: entry `n` has the
    /// key of an earlier one.
    pub(super) fn build<'a>(
        len: u32,
        hasher: &RandomState,
        key_of: impl Fn(u32) -> &'a str,
    ) -> Result<Self, u32> {
        let mut lookup = Lookup::with_capacity(len as usize);
        for n in 0..len {
            if !lookup.insert(hasher, n, &key_of) {
                return Err(n);
            }
        }
        Ok(lookup)
    }

    /// The entry whose key is `key`.
    pub(super) fn get<'a>(
        &self,
        hasher: &RandomState,
        key: &str,
        key_of: impl Fn(u32) -> &'a str,
    ) -> Option<u32> {
        self.table
            .find(hasher.hash_one(key), |&n| key_of(n) == key)
            .copied()
    }

    /// Adds `n` under `key_of(n)`; `false` (and nothing added) when another
    /// entry has that key.
    pub(super) fn insert<'a>(
        &mut self,
        hasher: &RandomState,
        n: u32,
        key_of: impl Fn(u32) -> &'a str,
    ) -> bool {
        let key = key_of(n);
        let hash = hasher.hash_one(key);
        if self.table.find(hash, |&m| key_of(m) == key).is_some() {
            return false;
        }
        self.table
            .insert_unique(hash, n, |&m| hasher.hash_one(key_of(m)));
        true
    }

    /// How many entries it holds.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// Removes the entry of `key`, if any.
    pub(super) fn remove<'a>(
        &mut self,
        hasher: &RandomState,
        key: &str,
        key_of: impl Fn(u32) -> &'a str,
    ) {
        if let Ok(entry) = self
            .table
            .find_entry(hasher.hash_one(key), |&n| key_of(n) == key)
        {
            entry.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_key_is_found_no_more_and_the_others_still_are() {
        let keys = ["pmt_a", "pmt_b", "pmt_c"];
        let hasher = RandomState::new();
        let mut lookup = Lookup::build(3, &hasher, |n| keys[n as usize]).unwrap();
        lookup.remove(&hasher, "pmt_b", |n| keys[n as usize]);
        lookup.remove(&hasher, "pmt_nobody", |n| keys[n as usize]);
        let found: Vec<_> = keys
            .iter()
            .map(|k| lookup.get(&hasher, k, |n| keys[n as usize]))
            .collect();
        assert_eq!(found, [Some(0), None, Some(2)]);
        assert_eq!(lookup.len(), 2);
        assert_eq!(
            Lookup::build(3, &hasher, |n| ["x", "y", "x"][n as usize]).err(),
            Some(2),
            "the later of two equal keys is named"
        );
    }
}
