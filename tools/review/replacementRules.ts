// Which input changes replace a resource instead of updating it, per resource type token, and
// which outputs an in-place update leaves unknown during a preview (so dependents see a change).
// Paths use Pulumi's property path notation (parsed in ./diff.ts); `*` matches any key or index.
// Each entry names where its rule comes from; docs/day2-diff.md prints this table.

/**
 * A replacing input path; `onlyWhen: "removed"` replaces only when the value goes away; `"set"`
 * only when the new plan sets it (an Optional+Computed attribute: removing it from the inputs
 * keeps the value in the state, so no diff).
 */
export interface ReplacePath {
    path: string;
    onlyWhen?: "removed" | "set";
}

/** Outputs an in-place update recomputes: unknown in a preview, so consumers show a change. */
export interface UnknownOnUpdate {
    outputs: string[];
    /** The update recomputes them when one of these input paths changes; absent: any input. */
    whenChanged?: string[];
    /** ...except when only these input paths changed. */
    unlessOnly?: string[];
}

export interface TypeRules {
    /** Where the rules come from (source file or documentation page). */
    source: string;
    replaceOn: ReplacePath[];
    unknownOnUpdate?: UnknownOnUpdate;
    /**
     * Provider resources: inputs whose value being unknown in the preview (it comes from a
     * replaced or new resource) replaces the provider, and with it every resource it manages.
     */
    replaceWhenUnknown?: string[];
    /** Provider resources: when this input is set and unchanged, nothing replaces the provider. */
    identityKey?: string;
}

const paths = (...list: string[]): ReplacePath[] => list.map((path) => ({ path }));
const whenSet = (...list: string[]): ReplacePath[] => list.map((path) => ({ path, onlyWhen: "set" }));

const tf = (file: string, attributes: string) =>
    `hashicorp/terraform-provider-aws ${file}: ForceNew on ${attributes} (pulumi-aws bridges this schema; its Diff reports ForceNew as replace)`;
const tfDocs = (resource: string, attributes: string) =>
    `Terraform AWS provider docs, ${resource}: "${attributes}" force a new resource (pulumi-aws bridges this schema); not checked against source here`;

/** AWS resources (pulumi-aws 7, bridged from the Terraform AWS provider v6). */
const awsRules: Record<string, TypeRules> = {
    "aws:autoscaling/group:Group": {
        source: tf("internal/service/autoscaling/group.go", "name, name_prefix, initial_lifecycle_hook"),
        replaceOn: paths("name", "namePrefix", "initialLifecycleHooks"),
    },
    "aws:cloudwatch/eventRule:EventRule": {
        source: tfDocs("aws_cloudwatch_event_rule", "name, name_prefix, event_bus_name"),
        replaceOn: paths("name", "namePrefix", "eventBusName"),
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        source: tfDocs("aws_cloudwatch_event_target", "rule, target_id, event_bus_name"),
        replaceOn: paths("rule", "targetId", "eventBusName"),
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        source: tfDocs("aws_cloudwatch_log_group", "name, name_prefix, log_group_class"),
        replaceOn: paths("name", "namePrefix", "logGroupClass"),
    },
    "aws:directoryservice/directory:Directory": {
        source: tf("internal/service/ds/directory.go", "alias, connect_settings, description, edition, name, password, short_name, size, type, vpc_settings"),
        replaceOn: paths("alias", "connectSettings", "description", "edition", "name", "password", "shortName", "size", "type", "vpcSettings"),
    },
    "aws:ec2/eip:Eip": {
        source: tfDocs("aws_eip", "address, customer_owned_ipv4_pool, domain, ipam_pool_id, network_border_group, public_ipv4_pool"),
        replaceOn: paths("address", "customerOwnedIpv4Pool", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"),
    },
    "aws:ec2/instance:Instance": {
        source: tfDocs("aws_instance", "ami, associate_public_ip_address, availability_zone, ebs_block_device, enclave_options, ephemeral_block_device, hibernation, ipv6_address_count, ipv6_addresses, key_name, launch_template, network_interface, placement_group, private_ip, root_block_device.encrypted/kms_key_id, security_groups, subnet_id"),
        replaceOn: paths("ami", "associatePublicIpAddress", "availabilityZone", "ebsBlockDevices", "enclaveOptions", "ephemeralBlockDevices", "hibernation",
            "ipv6AddressCount", "ipv6Addresses", "keyName", "launchTemplate", "networkInterfaces", "placementGroup", "privateIp",
            "rootBlockDevice.encrypted", "rootBlockDevice.kmsKeyId", "securityGroups", "subnetId"),
    },
    "aws:ec2/internetGateway:InternetGateway": {
        source: "Terraform AWS provider docs, aws_internet_gateway: no argument forces a new resource (vpc_id detaches and attaches in place); not checked against source here",
        replaceOn: [],
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        source: tf("internal/service/ec2/ec2_launch_template.go", "name, name_prefix; its CustomizeDiff marks latest_version computed on any change but name, name_prefix, description, default_version, update_default_version (every other change is a new template version)"),
        replaceOn: paths("name", "namePrefix"),
        unknownOnUpdate: { outputs: ["latestVersion", "defaultVersion"], unlessOnly: ["name", "namePrefix", "description", "defaultVersion", "updateDefaultVersion"] },
    },
    "aws:ec2/natGateway:NatGateway": {
        source: tfDocs("aws_nat_gateway", "allocation_id, connectivity_type, private_ip, subnet_id"),
        replaceOn: paths("allocationId", "connectivityType", "privateIp", "subnetId"),
    },
    "aws:ec2/route:Route": {
        source: tfDocs("aws_route", "route_table_id, destination_cidr_block, destination_ipv6_cidr_block, destination_prefix_list_id"),
        replaceOn: paths("routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"),
    },
    "aws:ec2/routeTable:RouteTable": {
        source: tfDocs("aws_route_table", "vpc_id"),
        replaceOn: paths("vpcId"),
    },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {
        source: tfDocs("aws_route_table_association", "subnet_id, gateway_id (route_table_id is replaced in place)"),
        replaceOn: paths("subnetId", "gatewayId"),
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        source: tfDocs("aws_security_group", "name, name_prefix, description, vpc_id"),
        replaceOn: paths("name", "namePrefix", "description", "vpcId"),
    },
    "aws:ec2/subnet:Subnet": {
        source: tfDocs("aws_subnet", "availability_zone, availability_zone_id, cidr_block, outpost_arn, vpc_id"),
        replaceOn: paths("availabilityZone", "availabilityZoneId", "cidrBlock", "outpostArn", "vpcId"),
    },
    "aws:ec2/vpc:Vpc": {
        source: tfDocs("aws_vpc", "cidr_block, ipv4_ipam_pool_id, ipv4_netmask_length") + "; CloudFormation AWS::EC2::VPC CidrBlock: Update requires Replacement",
        replaceOn: paths("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
    },
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": {
        source: tf("internal/service/ec2/transitgateway_vpc_attachment.go", "transit_gateway_id, vpc_id (subnet_ids, dns/ipv6/appliance mode support and the default route table flags update in place: ModifyTransitGatewayVpcAttachment)"),
        replaceOn: paths("transitGatewayId", "vpcId"),
    },
    "aws:eks/accessEntry:AccessEntry": {
        source: tfDocs("aws_eks_access_entry", "cluster_name, principal_arn, type"),
        replaceOn: paths("clusterName", "principalArn", "type"),
    },
    "aws:eks/addon:Addon": {
        source: tfDocs("aws_eks_addon", "addon_name, cluster_name"),
        replaceOn: paths("addonName", "clusterName"),
    },
    "aws:eks/nodeGroup:NodeGroup": {
        source: tf("internal/service/eks/node_group.go", "ami_type, capacity_type, cluster_name, disk_size, instance_types, launch_template.id/name, node_group_name(_prefix), node_role_arn, remote_access, subnet_ids (version, labels, scaling_config, launch_template.version update in place); ami_type, capacity_type, disk_size, instance_types, launch_template.id/name and node_group_name(_prefix) are also Computed, so removing one keeps the deployed value. Adding a launch template to a group created without one sets launch_template.id: a new group"),
        replaceOn: [
            ...paths("clusterName", "nodeRoleArn", "remoteAccess", "subnetIds"),
            ...whenSet("amiType", "capacityType", "diskSize", "instanceTypes", "launchTemplate.id", "launchTemplate.name", "nodeGroupName", "nodeGroupNamePrefix"),
        ],
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        source: tfDocs("aws_iam_instance_profile", "name, name_prefix, path"),
        replaceOn: paths("name", "namePrefix", "path"),
    },
    "aws:iam/role:Role": {
        source: tfDocs("aws_iam_role", "name, name_prefix, path"),
        replaceOn: paths("name", "namePrefix", "path"),
    },
    "aws:iam/rolePolicy:RolePolicy": {
        source: tfDocs("aws_iam_role_policy", "name, name_prefix, role"),
        replaceOn: paths("name", "namePrefix", "role"),
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        source: tfDocs("aws_iam_role_policy_attachment", "role, policy_arn"),
        replaceOn: paths("role", "policyArn"),
    },
    "aws:kms/alias:Alias": {
        source: tfDocs("aws_kms_alias", "name, name_prefix"),
        replaceOn: paths("name", "namePrefix"),
    },
    "aws:kms/keyPolicy:KeyPolicy": {
        source: tf("internal/service/kms/key_policy.go", "nothing (key_id, policy and bypass_policy_lockout_safety_check update in place; delete restores the default key policy)"),
        replaceOn: [],
    },
    "aws:kms/key:Key": {
        source: tfDocs("aws_kms_key", "custom_key_store_id, customer_master_key_spec, key_usage, multi_region, xks_key_id"),
        replaceOn: paths("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
    },
    "aws:route53/resolverEndpoint:ResolverEndpoint": {
        source: tfDocs("aws_route53_resolver_endpoint", "direction, security_group_ids"),
        replaceOn: paths("direction", "securityGroupIds"),
    },
    "aws:route53/resolverRule:ResolverRule": {
        source: tfDocs("aws_route53_resolver_rule", "domain_name, rule_type"),
        replaceOn: paths("domainName", "ruleType"),
    },
    "aws:route53/resolverRuleAssociation:ResolverRuleAssociation": {
        source: tfDocs("aws_route53_resolver_rule_association", "name, resolver_rule_id, vpc_id"),
        replaceOn: paths("name", "resolverRuleId", "vpcId"),
    },
    "aws:secretsmanager/secret:Secret": {
        source: tf("internal/service/secretsmanager/secret.go", "name, name_prefix; kms_key_id updates in place (UpdateSecret re-encrypts), recovery_window_in_days is read only by Delete"),
        replaceOn: paths("name", "namePrefix"),
    },
    "aws:secretsmanager/secretPolicy:SecretPolicy": {
        source: tf("internal/service/secretsmanager/secret_policy.go", "secret_arn; policy and block_public_policy update in place (PutResourcePolicy)"),
        replaceOn: paths("secretArn"),
    },
    "aws:secretsmanager/secretVersion:SecretVersion": {
        source: tf("internal/service/secretsmanager/secret_version.go", "secret_id, secret_string, secret_binary, secret_string_wo_version"),
        replaceOn: paths("secretId", "secretString", "secretBinary", "secretStringWoVersion"),
    },
    "aws:ssm/association:Association": {
        source: tf("internal/service/ssm/association.go", "name (the document), instance_id"),
        replaceOn: paths("name", "instanceId"),
    },
    "aws:ssm/document:Document": {
        source: tf("internal/service/ssm/document.go", "name; its CustomizeDiff marks default_version, document_version, hash, latest_version, parameter computed when content changes"),
        replaceOn: paths("name"),
        unknownOnUpdate: { outputs: ["latestVersion", "defaultVersion", "documentVersion", "hash", "parameters"], whenChanged: ["content"] },
    },
    "pulumi:providers:aws": {
        source: "pulumi/pulumi-aws#4000 (ForcesProviderReplace on region, pulumi-terraform-bridge configDiffer.DiffConfig): a new region replaces every resource of the provider",
        replaceOn: paths("region"),
    },
};

/** @pulumi/command (pulumi-command provider/pkg/provider/common/inputs.go, local/commandController.go). */
const commandRules: Record<string, TypeRules> = {
    "command:local:Command": {
        source: "pulumi/pulumi-command common/inputs.go: `triggers` is replaceOnChanges (the SDK also sets replaceOnChanges [\"triggers[*]\"]); any other change updates (runs `update`, else `create`, again). local/commandController.go Update: in a preview with changed inputs, pulumi-go-provider infer marks every output (stdout, stderr) unknown",
        replaceOn: paths("triggers"),
        unknownOnUpdate: { outputs: ["stdout", "stderr"] },
    },
};

/**
 * @pulumi/eks Cluster, a remote component: its children (aws:eks/cluster:Cluster, OIDC provider,
 * access entries...) are invisible offline, so the component stands for them. A replace here
 * means the EKS cluster itself is replaced; anything else in-place.
 */
const eksRules: Record<string, TypeRules> = {
    "eks:index:Cluster": {
        source: "pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts forwards name, serviceRole (role_arn), kubernetesServiceIpAddressRange and ipFamily (kubernetes_network_config), encryptionConfigKeyArn (encryption_config) to aws.eks.Cluster; terraform-provider-aws internal/service/eks/cluster.go: ForceNew on name, role_arn, service_ipv4_cidr, ip_family, bootstrap_self_managed_addons (ignored by pulumi-eks), and on removing encryption_config; version, vpc_config (subnets, endpoint access), logging, access_config.authentication_mode update in place",
        replaceOn: [
            ...paths("name", "serviceRole", "kubernetesServiceIpAddressRange", "ipFamily"),
            { path: "encryptionConfigKeyArn", onlyWhen: "removed" },
        ],
    },
};

/** pulumi-kubernetes: provider/pkg/provider/diff.go (forceNew table) and provider.go (Diff, DiffConfig). */
const kubernetesSource = "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go forceNew table (every kind: metadata.name, metadata.namespace)";
const kubernetesIdentity = ["metadata.name", "metadata.namespace"];
const labelSelector = ["spec.selector"];

/** Kind-specific immutable fields, by type token (group/version:Kind). */
const kubernetesKinds: Record<string, string[]> = {
    "apps/v1:Deployment": labelSelector,
    "apps/v1:DaemonSet": labelSelector,
    "apps/v1:StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    "batch/v1:Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    "rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
    "rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
    // Secrets and ConfigMaps: data is immutable unless the provider enables enableSecretMutable /
    // enableConfigMapMutable (off by default).
    "core/v1:Secret": ["type", "data", "stringData"],
    "core/v1:ConfigMap": ["data", "binaryData"],
    "core/v1:Service": ["spec.clusterIP"],
    "core/v1:PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    "storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
};

const kubernetesSpecialRules: Record<string, TypeRules> = {
    "kubernetes:helm.sh/v3:Release": {
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go Diff: forceNewFields .name, .namespace",
        replaceOn: paths("name", "namespace"),
    },
    "pulumi:providers:kubernetes": {
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig: an unknown kubeconfig/context/cluster replaces the provider; so does a changed active cluster (read from the kubeconfig), clusterIdentifier or renderYamlToDirectory; an unchanged clusterIdentifier keeps it. pulumi/pulumi pkg/resource/deploy/step_generator.go providerChanged: a replaced provider replaces every resource it manages",
        // Offline the kubeconfig is a secret: a visible change of it, context or cluster is taken
        // as a different active cluster (the provider compares the active cluster's settings).
        replaceOn: paths("clusterIdentifier", "renderYamlToDirectory", "kubeconfig", "context", "cluster"),
        replaceWhenUnknown: ["kubeconfig", "context", "cluster"],
        identityKey: "clusterIdentifier",
    },
};

const explicitRules: Record<string, TypeRules> = { ...awsRules, ...commandRules, ...eksRules, ...kubernetesSpecialRules };

/** The kind part of a Kubernetes type token: "kubernetes:apps/v1:Deployment" -> "apps/v1:Deployment". */
function kubernetesKind(type: string): string | undefined {
    const match = /^kubernetes:([^:]+:[A-Za-z0-9]+)$/.exec(type);
    return match ? match[1] : undefined;
}

/** Rules for a Kubernetes object type: identity everywhere; kind fields unless a Patch resource. */
function kubernetesRules(type: string): TypeRules | undefined {
    const kind = kubernetesKind(type);
    if (!kind) return undefined;
    // Patch resources (NamespacePatch...) update in place for everything but their identity.
    if (kind.endsWith("Patch")) {
        return { source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go Diff: Patch resources replace only on metadata.name/namespace", replaceOn: paths(...kubernetesIdentity) };
    }
    const fields = kubernetesKinds[kind] ?? [];
    return {
        source: fields.length > 0 ? `${kubernetesSource}; ${kind}: ${fields.join(", ")}` : kubernetesSource,
        replaceOn: paths(...kubernetesIdentity, ...fields),
    };
}

/** The rules for a resource type, or undefined when the table does not know the type. */
export function rulesFor(type: string): TypeRules | undefined {
    return explicitRules[type] ?? kubernetesRules(type);
}

/** Every explicit entry plus the Kubernetes kinds, for documentation and tests. */
export function ruleTable(): [string, TypeRules][] {
    const kinds = Object.keys(kubernetesKinds).map((k) => `kubernetes:${k}`);
    // Identity only: diff.go's forceNew table has no entry for these kinds (admissionregistration
    // included: a policy's validations and a binding's policyName update in place).
    const generic = ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:windows.k8s.io/v1:GMSACredentialSpec", "kubernetes:core/v1:NamespacePatch",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"];
    const entries: [string, TypeRules][] = [...Object.entries(explicitRules), ...[...kinds, ...generic].map((t): [string, TypeRules] => [t, kubernetesRules(t)!])];
    return entries.sort(([a], [b]) => a.localeCompare(b));
}
