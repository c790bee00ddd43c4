// Instance metadata options for every node (and the AD management host): IMDSv2 only, and a PUT response hop limit of 1, so the
// session token never reaches a container behind the node's network namespace. Host processes
// (kubelet, the VPC CNI's aws-node and kube-proxy on the host network, ccg.exe on Windows) keep
// the node role; pods do not inherit it. EKS best practices guide, "Restrict access to the
// instance profile assigned to the worker node".
export const hostOnlyImds = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;
