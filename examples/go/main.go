// podlb from Go: examples/vpc-route-ipvlan (a VPC-route cluster with IPVLAN NICs: the targetPort
// opens in the node security group, and cce-ip-masq-agent gets masqOutBound/masqOutBoundIPv6 =
// false) as a Go program. The podlb SDK is generated locally: run
//
//	pulumi package add "$(command -v pulumi-resource-podlb)"
//
// here first; it writes sdks/podlb and points go.mod at it (a replace directive).
package main

import (
	"github.com/podlb/podlb/sdk/go/podlb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		conf := config.New(ctx, "")

		cluster, err := podlb.NewPodDirectCluster(ctx, "prod", &podlb.PodDirectClusterArgs{
			ClusterId:            pulumi.String(conf.Require("clusterId")),
			NetworkMode:          pulumi.StringRef("vpc-route-ipvlan"),
			NodeSecurityGroupIds: pulumi.StringArray{pulumi.String(conf.Require("nodeSecurityGroupId"))},
			VpcCidr:              pulumi.String(conf.Require("vpcCidr")),
		})
		if err != nil {
			return err
		}

		shop, err := podlb.NewPodDirectService(ctx, "shop", &podlb.PodDirectServiceArgs{
			Cluster:   cluster,
			Namespace: pulumi.String("shop"),
			Selector:  map[string]string{"app": "shop"},
			Ports:     []podlb.ServicePortArgs{{Name: pulumi.StringRef("http"), Port: 80, TargetPort: pulumi.IntRef(8080)}},
			// Public, but only from the office and the CDN's egress range.
			LoadBalancerSourceRanges: pulumi.StringArray{pulumi.String("198.51.100.0/24"), pulumi.String("203.0.113.0/24")},
			ExpectedBackends:         pulumi.IntRef(20), // 16 replicas + 25% maxSurge
		})
		if err != nil {
			return err
		}

		ctx.Export("shop_address", shop.Address)
		ctx.Export("shop_blb_id", shop.BlbId)
		return nil
	})
}
