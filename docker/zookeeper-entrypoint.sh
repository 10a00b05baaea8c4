#!/bin/sh
# Runs Debian's ZooKeeper in the foreground on 0.0.0.0:2181 with data in /data (a volume).
set -eu
mkdir -p /data
cat >/tmp/zoo.cfg <<CFG
tickTime=2000
dataDir=/data
clientPort=2181
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,srvr
CFG
cp=/usr/share/java/zookeeper.jar
for jar in zookeeper-jute slf4j-api slf4j-simple metrics-core netty-handler netty-common \
           netty-buffer netty-transport commons-cli snappy-java; do
  [ -f /usr/share/java/$jar.jar ] && cp="$cp:/usr/share/java/$jar.jar"
done
exec java -Xmx256m -cp "$cp" org.apache.zookeeper.server.ZooKeeperServerMain /tmp/zoo.cfg
