"""newsmon's own Scrapy signals."""

# Sent by the index pipeline after each bulk write with `articles`: the new or materially changed Articles in that
# bulk. The match pipeline percolates each such batch in one request.
articles_indexed = object()
