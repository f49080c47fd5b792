"""Sync decisions from lgo.org.uk (or a mirror): polite crawling, a raw store, crawl state."""
