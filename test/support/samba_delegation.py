"""AWS Managed Microsoft AD's delegation, modelled on a Samba test domain (used by
samba_domain_setup.py, offline, with system rights).

What AWS documents (Directory Service Administration Guide: "Admin account permissions",
"What gets created", "Group Managed Service Accounts"; digest in
/work/shared/reference/aws-managed-ad.md):
- an OU named after the NetBIOS domain under the domain root holds the customer's objects, here
  with OU=Users and OU=Computers under it; the root and everything outside that OU are AWS's;
- the `Admin` account is not a Domain Admin: inside its OU it adds, changes and deletes users,
  groups, computers and OUs (and resets passwords there); nothing outside it, not on the parent;
- members of the delegated managed service account administrators group (Admin by default)
  create and configure gMSAs, which live in CN=Managed Service Accounts.

Modelled as: groups "AWS Delegated Administrators" and "AWS Delegated Managed Service Account
Administrators" in OU=AWS Delegated Groups (an AWS-owned OU under the root, where AWS keeps its
delegated groups), Admin a member of both and of no built-in group; ACEs:
- on OU=<NETBIOS>: full control for AWS Delegated Administrators, inherited by everything below;
- on CN=Managed Service Accounts: create and delete child objects of class
  msDS-GroupManagedServiceAccount, and full control of such objects (inherit-only, to that class),
  for AWS Delegated Managed Service Account Administrators;
- on OU=AWS Delegated Groups: write `member` of its groups for AWS Delegated Administrators (AWS
  tells customers to delegate, gMSA creation for one, by adding members to these groups); nothing
  else there: the groups themselves stay AWS's.
"""
import ldb
from samba.dcerpc import security
from samba.ndr import ndr_unpack
from samba.sd_utils import SDUtils

ADMIN_NAME = "Admin"
DELEGATED_GROUPS_OU = "OU=AWS Delegated Groups"
ADMINISTRATORS_GROUP = "AWS Delegated Administrators"
MSA_ADMINISTRATORS_GROUP = "AWS Delegated Managed Service Account Administrators"
# schemaIDGUIDs (the same in every AD schema): msDS-GroupManagedServiceAccount, group, member.
GMSA_CLASS_GUID = "7b8b558a-93a5-4af7-adca-c017e67f1057"
GROUP_CLASS_GUID = "bf967a9c-0de6-11d0-a285-00aa003049e2"
MEMBER_ATTRIBUTE_GUID = "bf9679c0-0de6-11d0-a285-00aa003049e2"


def object_sid(samdb, dn):
    res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))


def model_aws_delegation(samdb, netbios_name, admin_password):
    """Creates the OUs, groups, Admin user and ACEs; returns their DNs and names."""
    root = str(samdb.domain_dn())
    ou = "OU=%s,%s" % (netbios_name, root)
    users_ou = "OU=Users,%s" % ou
    computers_ou = "OU=Computers,%s" % ou
    groups_ou = "%s,%s" % (DELEGATED_GROUPS_OU, root)
    msa_container = "CN=Managed Service Accounts,%s" % root

    samdb.create_ou(groups_ou, description="AWS-owned: the groups AWS delegates rights to")
    sd = SDUtils(samdb)
    for name, description in (
            (ADMINISTRATORS_GROUP, "Full control of OU=%s" % netbios_name),
            (MSA_ADMINISTRATORS_GROUP, "Create and configure group managed service accounts")):
        samdb.newgroup(name, groupou=DELEGATED_GROUPS_OU, description=description)
    administrators_dn = "CN=%s,%s" % (ADMINISTRATORS_GROUP, groups_ou)
    msa_administrators_dn = "CN=%s,%s" % (MSA_ADMINISTRATORS_GROUP, groups_ou)
    administrators_sid = object_sid(samdb, administrators_dn)
    msa_administrators_sid = object_sid(samdb, msa_administrators_dn)

    # The ACE goes on the OU before anything is created below it, so every child inherits it
    # when it is created (no propagation pass needed).
    sd.dacl_add_ace(groups_ou, "(OA;CIIO;WP;%s;%s;%s)" % (
        MEMBER_ATTRIBUTE_GUID, GROUP_CLASS_GUID, administrators_sid))
    samdb.create_ou(ou, description="The customer's OU: the delegated Admin's")
    sd.dacl_add_ace(ou, "(A;CI;GA;;;%s)" % administrators_sid)
    samdb.create_ou(users_ou)
    samdb.create_ou(computers_ou)
    sd.dacl_add_ace(msa_container, "(OA;;CCDC;%s;;%s)" % (GMSA_CLASS_GUID, msa_administrators_sid))
    sd.dacl_add_ace(msa_container, "(OA;CIIO;GA;;%s;%s)" % (GMSA_CLASS_GUID, msa_administrators_sid))

    samdb.newuser(ADMIN_NAME, admin_password, userou="OU=Users,OU=%s" % netbios_name,
                  description="Delegated administrator, as AWS Managed Microsoft AD's Admin")
    for group in (ADMINISTRATORS_GROUP, MSA_ADMINISTRATORS_GROUP):
        samdb.add_remove_group_members(group, [ADMIN_NAME], add_members_operation=True)
    admin_dn = "CN=%s,%s" % (ADMIN_NAME, users_ou)
    upn = str(samdb.search(base=admin_dn, scope=ldb.SCOPE_BASE,
                           attrs=["userPrincipalName"])[0]["userPrincipalName"][0])
    return {
        "ouDn": ou,
        "usersOuDn": users_ou,
        "computersOuDn": computers_ou,
        "managedServiceAccountsDn": msa_container,
        "adminDn": admin_dn,
        "adminUpn": upn,
        "adminSid": object_sid(samdb, admin_dn),
        "groups": {
            "administratorsDn": administrators_dn,
            "managedServiceAccountAdministratorsDn": msa_administrators_dn,
        },
    }
