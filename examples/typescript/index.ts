// VPC-route cluster with IPVLAN NICs, from TypeScript: the targetPort opens in the *node*
// security group, and cce-ip-masq-agent gets masqOutBound/masqOutBoundIPv6 = false (other keys
// kept). The same stack as examples/vpc-route-ipvlan (Python) and examples/yaml. The podlb SDK
// is generated from the plugin by `pulumi package add` (see README.md).
import * as pulumi from "@pulumi/pulumi";
import * as podlb from "pulumi-podlb";

const config = new pulumi.Config();

const cluster = new podlb.PodDirectCluster("prod", {
    clusterId: config.require("clusterId"),
    networkMode: "vpc-route-ipvlan",
    nodeSecurityGroupIds: [config.require("nodeSecurityGroupId")],
    vpcCidr: config.require("vpcCidr"),
});

const shop = new podlb.PodDirectService("shop", {
    cluster: cluster,
    namespace: "shop",
    selector: { app: "shop" },
    ports: [{ name: "http", port: 80, targetPort: 8080 }],
    // Public, but only from the office and the CDN's egress range.
    loadBalancerSourceRanges: ["198.51.100.0/24", "203.0.113.0/24"],
    expectedBackends: 20, // 16 replicas + 25% maxSurge
});

export const shop_address = shop.address;
export const shop_blb_id = shop.blbId;
