"""What happens to memories over time: consolidation (merge duplicates, summarize sessions),
forgetting (decay, archive, purge), and the right to be forgotten."""
