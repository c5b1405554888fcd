# The network of examples/configmgr-site.xml (sourced after lib.sh):
# namespace gw with eth0..eth4, one namespace per side:
#   hq   (eth0) hq client 10.10.0.50 2001:db8:10::50
#   br   (eth1) branch client 10.20.0.50, dp-br01 10.20.255.10
#   dc   (eth2) cm01 .10 sql01 .11 mp01 .12 dp01 .13 sup01 .14 dc01 .15,
#               proxy01 10.99.0.10 (datacenter and dmz share eth2)
#   adm  (eth3) adm01 10.5.0.20
#   inet (eth4) an internet host 203.0.113.7 3fff::7
PORTS="22 80 135 443 445 1433 3389 4022 8005 8080 8530 8531 10123 49152"

topo_configmgr() {
	for n in gw hq br dc adm inet; do ns_new $n; done
	router gw
	link gw eth0 hq
	link gw eth1 br
	link gw eth2 dc
	link gw eth3 adm
	link gw eth4 inet
	addr gw eth0 10.10.0.1/16 2001:db8:10::1/48
	addr gw eth1 10.20.0.1/16 2001:db8:20::1/48
	addr gw eth2 10.0.0.1/24 10.99.0.1/24 2001:db8::1/64 2001:db8:99::1/64
	addr gw eth3 10.5.0.1/24 2001:db8:5::1/64
	addr gw eth4 203.0.113.1/24 3fff::1/64
	addr hq up0 10.10.0.50/16 2001:db8:10::50/48
	addr br up0 10.20.0.50/16 10.20.255.10/16 2001:db8:20::50/48 \
		2001:db8:20:ff::10/48
	addr dc up0 10.0.0.10/24 10.0.0.11/24 10.0.0.12/24 10.0.0.13/24 \
		10.0.0.14/24 10.0.0.15/24 10.99.0.10/24 \
		2001:db8::10/64 2001:db8::11/64 2001:db8::12/64 2001:db8::13/64 \
		2001:db8::14/64 2001:db8::15/64 2001:db8:99::10/64
	addr adm up0 10.5.0.20/24 2001:db8:5::20/64
	addr inet up0 203.0.113.7/24 3fff::7/64
	route hq 10.10.0.1 2001:db8:10::1
	route br 10.20.0.1 2001:db8:20::1
	route dc 10.0.0.1 2001:db8::1
	route adm 10.5.0.1 2001:db8:5::1
	route inet 203.0.113.1 3fff::1
	for n in gw hq br dc adm inet; do listen $n $PORTS; done
	wait_listeners
}
