#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A throw-away PKI for the certificate tests, made with the openssl command:
#   mkcerts.sh DIR
# DIR/ca.pem            root CA "C=CH, O=hubsec test, CN=hubsec test root" (EC P-256)
# DIR/inter.pem         intermediate CA under it (EC P-256)
# DIR/other-ca.pem      an unrelated root: nothing it signs may be accepted
# DIR/NAME.pem|.key     end entities (certificate, unencrypted key):
#   site1-rsa    RSA 2048 under ca, CN=site1.hubsec.test, SAN DNS site1.hubsec.test,
#                email site1@hubsec.test, IP 10.0.0.1, IP 10.255.1.2
#   site1-ec     EC P-256, the same names as site1-rsa
#   site2-ec     EC P-256 under ca, CN=site2.hubsec.test, SAN DNS, email, IP 10.0.0.2, 10.255.2.2
#   site2-rsa    RSA 2048, the same names as site2-ec
#   site2-chain  EC P-256 under inter, site2's names; the .pem holds it and inter
#   rogue        EC P-256 under other-ca with site2's names
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

ca() { # NAME SUBJECT [ISSUER]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "$2" -out "$1.csr" 2>/dev/null
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$1.ext"
	if [ $# -ge 3 ]; then
		openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "0x$(openssl rand -hex 8)" \
			-days 3650 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	else
		openssl x509 -req -in "$1.csr" -signkey "$1.key" -days 3650 -extfile "$1.ext" \
			-out "$1.pem" 2>/dev/null
	fi
	rm -f "$1.csr" "$1.ext"
}

leaf() { # NAME KEYTYPE ISSUER SITE IP...
	name=$1 kt=$2 issuer=$3 site=$4
	shift 4
	case $kt in
	rsa) newkey="-newkey rsa:2048" ;;
	ec) newkey="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	esac
	san="DNS:$site.hubsec.test,email:$site@hubsec.test"
	for ip in "$@"; do san="$san,IP:$ip"; done
	# shellcheck disable=SC2086 # newkey is two or four words
	openssl req -new $newkey -nodes -keyout "$name.key" \
		-subj "/C=CH/O=hubsec test/CN=$site.hubsec.test" -out "$name.csr" 2>/dev/null
	printf 'subjectAltName=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' \
		"$san" >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "$name.ext" \
		-out "$name.pem" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
}

ca ca "/C=CH/O=hubsec test/CN=hubsec test root"
ca inter "/C=CH/O=hubsec test/CN=hubsec test intermediate" ca
ca other-ca "/C=CH/O=elsewhere/CN=another root"
leaf site1-rsa rsa ca site1 10.0.0.1 10.255.1.2
leaf site1-ec ec ca site1 10.0.0.1 10.255.1.2
leaf site2-ec ec ca site2 10.0.0.2 10.255.2.2
leaf site2-rsa rsa ca site2 10.0.0.2 10.255.2.2
leaf site2-chain ec inter site2 10.0.0.2 10.255.2.2
cat inter.pem >>site2-chain.pem
leaf rogue ec other-ca site2 10.0.0.2 10.255.2.2
chmod 600 ./*.key
