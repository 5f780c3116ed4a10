#!/usr/bin/env bash
# Smoke test of a running local OpenSearch: the features the search subgraph relies on.
#   infra/local/opensearch/verify.sh [URL]     (default: OPENSEARCH_URL, else from config.sh)
# Creates and deletes two throwaway indexes (hg-verify-*). Exits non-zero on the first failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../config.sh
source "$HERE/../config.sh"
URL="${1:-${OPENSEARCH_URL:-http://$HG_BIND_HOST:$HG_OPENSEARCH_PORT}}"
A="hg-verify-a-$$"; B="hg-verify-b-$$"

req() { # req METHOD PATH [JSON] -> prints the body; on HTTP >= 400 prints it to stderr and fails
  local m="$1" p="$2" body="${3:-}" out
  local args=(-sS --fail-with-body -X "$m" "$URL$p")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  if ! out=$(curl "${args[@]}"); then echo "FAIL $m $p: $out" >&2; return 1; fi
  printf '%s' "$out"
}
check() { # check NAME JSON JQ_EXPR: the jq expression must be true
  if jq -e "$3" >/dev/null <<<"$2"; then echo "ok   $1"; else echo "FAIL $1: $2" >&2; exit 1; fi
}
cleanup() { curl -fsS -X DELETE "$URL/$A,$B?ignore_unavailable=true" >/dev/null 2>&1 || true; }
trap cleanup EXIT

command -v jq >/dev/null || { echo "verify.sh needs jq" >&2; exit 1; }

check "version 2.19.x" "$(req GET /)" '.version.number | startswith("2.19.")'

r=$(req PUT "/$A" '{
  "settings": {
    "number_of_shards": 1, "number_of_replicas": 0,
    "analysis": {
      "analyzer": { "folded": { "type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"] } }
    }
  },
  "mappings": { "properties": {
    "name":     { "type": "text", "analyzer": "folded" },
    "location": { "type": "geo_point" },
    "area":     { "type": "geo_shape" },
    "price":    { "type": "integer" },
    "tags":     { "type": "keyword" }
  } }
}')
check "create index with geo_point, geo_shape, custom asciifolding analyzer" "$r" '.acknowledged == true'

r=$(req POST "/$A/_bulk?refresh=true" "$(cat <<'EOF'
{"index":{"_id":"1"}}
{"name":"Café Müller Zürich","location":{"lat":47.3769,"lon":8.5417},"area":{"type":"polygon","coordinates":[[[8.50,47.35],[8.60,47.35],[8.60,47.40],[8.50,47.40],[8.50,47.35]]]},"price":100,"tags":["a"]}
{"index":{"_id":"2"}}
{"name":"Crème Brûlée Genève","location":{"lat":46.2044,"lon":6.1432},"area":{"type":"point","coordinates":[6.1432,46.2044]},"price":200,"tags":["b"]}
{"index":{"_id":"3"}}
{"name":"Berlin Mitte","location":"52.52,13.405","area":{"type":"envelope","coordinates":[[13.3,52.6],[13.5,52.4]]},"price":300,"tags":["a","b"]}
EOF
)"$'\n')
check "bulk index 3 docs" "$r" '.errors == false and (.items | length) == 3'

r=$(req POST "/$A/_analyze" '{"analyzer":"folded","text":"Crème Brûlée"}')
check "asciifolding analyzer folds accents" "$r" '[.tokens[].token] == ["creme","brulee"]'

r=$(req POST "/$A/_search" '{"query":{"match":{"name":"zurich muller"}}}')
check "match query via folded analyzer" "$r" '.hits.total.value == 1 and .hits.hits[0]._id == "1"'

r=$(req POST "/$A/_search" '{"query":{"bool":{"filter":{"geo_distance":{"distance":"50km","location":{"lat":47.37,"lon":8.54}}}}},
  "sort":[{"_geo_distance":{"location":{"lat":47.37,"lon":8.54},"order":"asc","unit":"km"}}]}')
check "geo_distance query + sort" "$r" '.hits.total.value == 1 and .hits.hits[0]._id == "1"'

r=$(req POST "/$A/_search" '{"query":{"geo_bounding_box":{"location":{"top_left":{"lat":53,"lon":5},"bottom_right":{"lat":46,"lon":14}}}}}')
check "geo_bounding_box query" "$r" '.hits.total.value == 3'

r=$(req POST "/$A/_search" '{"query":{"geo_shape":{"area":{"shape":{"type":"envelope","coordinates":[[8.54,47.38],[8.56,47.37]]},"relation":"intersects"}}}}')
check "geo_shape intersects query" "$r" '.hits.total.value == 1 and .hits.hits[0]._id == "1"'

r=$(req POST "/$A/_search" '{"query":{"geo_shape":{"area":{"shape":{"type":"polygon","coordinates":[[[5,45],[15,45],[15,53],[5,53],[5,45]]]},"relation":"within"}}}}')
check "geo_shape within query" "$r" '.hits.total.value == 3'

r=$(req POST "/$A/_search" '{"size":0,"aggs":{"cells":{"geohash_grid":{"field":"location","precision":3}},"box":{"geo_bounds":{"field":"location"}}}}')
check "geohash_grid + geo_bounds aggregations" "$r" '(.aggregations.cells.buckets | length) == 3 and .aggregations.box.bounds.top_left.lat > 52'

r=$(req POST "/$A/_search" '{"query":{"script_score":{"query":{"match_all":{}},
  "script":{"lang":"painless","source":"doc[\u0027price\u0027].value * params.f","params":{"f":2}}}}}')
check "painless script_score" "$r" '.hits.hits[0]._id == "3" and .hits.hits[0]._score == 600'

r=$(req POST "/$A/_update/2?refresh=true" '{"script":{"lang":"painless","source":"ctx._source.price += params.d; ctx._source.tags.add(params.t)","params":{"d":5,"t":"updated"}}}')
check "painless update script" "$r" '.result == "updated"'
r=$(req GET "/$A/_doc/2")
check "update script applied" "$r" '._source.price == 205 and (._source.tags | index("updated")) != null'

r=$(req POST "/$A/_update_by_query?refresh=true" '{"query":{"term":{"tags":"a"}},"script":{"source":"ctx._source.price = ctx._source.price + 1"}}')
check "_update_by_query (reindex module)" "$r" '.updated == 2'

r=$(req PUT "/$B" '{"settings":{"number_of_shards":1,"number_of_replicas":0},
  "mappings":{"properties":{"name":{"type":"text"},"location":{"type":"geo_point"},"area":{"type":"geo_shape"},
    "price":{"type":"long"},"tags":{"type":"keyword"},"copied":{"type":"boolean"}}}}')
check "create second index (new mapping version)" "$r" '.acknowledged == true'
r=$(req POST "/_reindex?refresh=true&wait_for_completion=true" "{\"source\":{\"index\":\"$A\"},\"dest\":{\"index\":\"$B\"},\"script\":{\"source\":\"ctx._source.copied = true\"}}")
check "_reindex A -> B with script" "$r" '.created == 3 and (.failures | length) == 0'
r=$(req POST "/$B/_search" '{"query":{"term":{"copied":true}}}')
check "reindexed docs searchable" "$r" '.hits.total.value == 3'

r=$(req POST "/$A/_delete_by_query?refresh=true" '{"query":{"term":{"tags":"b"}}}')
check "_delete_by_query" "$r" '.deleted == 2'

echo "opensearch verify: all checks passed against $URL"
