#!/bin/sh
# The self-contained runtime the image ships, runnable on any glibc system with no Java installed:
#
#   DEST/runtime/          a jlink'ed Java runtime with only the modules the daemon uses
#   DEST/sandbox-sshd.jar  the daemon (sshd-server/target/sandbox-sshd.jar: mvn -B -DskipTests package first)
#   DEST/bin/sandbox-sshd  the launcher, which runs the jar on DEST/runtime/bin/java
#
# DEST defaults to target/runtime/opt/sandbox-sshd; install it as /opt/sandbox-sshd (cp -a), then train the
# class-data archive there: SANDBOX_SSHD_CDS=train /opt/sandbox-sshd/bin/sandbox-sshd (an archive names the jar by
# its path, so it is made where it runs). image/Dockerfile and image/test-image.sh both do exactly this.
# Needs a JDK 17 with its jmods (jlink from JAVA_HOME, else the PATH) and, to strip the native code, binutils.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$repo/target/runtime/opt/sandbox-sshd}
jar=$repo/sshd-server/target/sandbox-sshd.jar
[ -f "$jar" ] || { echo "build-runtime: $jar missing; build it first: mvn -B -DskipTests package" >&2; exit 1; }
jlink=jlink
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ] && jlink=$JAVA_HOME/bin/jlink
command -v "$jlink" >/dev/null || { echo "build-runtime: no jlink (a JDK 17 with jmods is needed)" >&2; exit 1; }

# The modules, as jdeps on the shaded jar and the classes the daemon loaded under the whole test suite decide. jdeps
# (--ignore-missing-deps --multi-release 17 --print-module-deps) names java.base java.desktop java.management
# java.naming java.rmi java.security.jgss java.sql; the daemon needs:
# - java.base
# - java.logging       JNA logs through java.util.logging
# - java.management    MINA's ExceptionUtils.peelException tests errors against javax.management types; Jetty's
#                      MemoryUtils asks the platform MBean server (and falls back without it)
# - java.rmi           MINA's ClientChannel, which the channels a server opens (ssh -R's forwarded-tcpip) implement,
#                      throws RemoteException in a default method: without it -R fails to link
# - jdk.management     HotSpotDiagnosticMXBean: an idle daemon lowers its heap's free ratios at run time to give
#                      memory back (IdleGiveBack; without it, it logs that and keeps its heap)
# Not needed: java.desktop (JNA's AWT helpers, Jetty's leak preventers; Jackson tries java.beans and goes on),
# java.naming (LDAP CRLs, Jetty's TLS and JNDI), java.sql (Jackson's optional types), java.security.jgss (GSSAPI,
# not offered); nor jdk.crypto.ec (MINA registers BouncyCastle, which does X25519, Ed25519 and EC: SunEC's classes
# were never loaded beyond its registration), jdk.unsupported (nothing loads sun.misc.*), jdk.net (only the JDK's
# probe for extended socket options loads it; the daemon sets none), jdk.localedata (locales other than English),
# java.xml. Checked by running every *IT with the daemon on this runtime (-Dsandbox.sshd.java=…/runtime/bin/java);
# without java.rmi the four ssh -R tests fail.
modules=${SANDBOX_SSHD_MODULES:-java.base,java.logging,java.management,java.rmi,jdk.management}

rm -rf "$dest"
mkdir -p "$dest/bin"
# --compress=2 (zip) halves lib/modules (21 -> 10 MB) at no cost to start-up: the class-data archive holds every
# class a start loads, so the modules file is hardly read.
"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 --output "$dest/runtime"
# The native code keeps its dynamic symbols and loses the static symbol table (libjvm.so 24 -> 20 MB).
if command -v strip >/dev/null; then
  find "$dest/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec strip --strip-unneeded {} +
else
  echo "build-runtime: no strip (binutils): native code left as the JDK ships it (~4 MB more)" >&2
fi
cp -p "$jar" "$dest/sandbox-sshd.jar"
cp -p "$repo/bin/sandbox-sshd" "$dest/bin/sandbox-sshd"
chmod 755 "$dest/bin/sandbox-sshd"
"$dest/runtime/bin/java" -version 2>&1 | head -1 >/dev/null
echo "build-runtime: $dest: $(du -sm "$dest" | cut -f1) MB (runtime $(du -sm "$dest/runtime" | cut -f1) MB, modules $modules)"
